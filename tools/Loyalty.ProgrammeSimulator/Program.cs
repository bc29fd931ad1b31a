using System.CommandLine;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Loyalty.Simulation;

/// <summary>
/// <c>Loyalty.ProgrammeSimulator [--once] [--interval S] [--mix SUCCESS=90,PROGRAMME_ERROR=10] [--accept-unknown-members]</c>.
/// S3 and the bucket come from the environment exactly as the API reads them: <c>AWS_ENDPOINT_URL</c> (the local
/// emulator; unset in AWS), the SDK's region and credentials, and <c>Fulfilment__Bucket</c>.
/// </summary>
internal static partial class Program
{
    private const int DefaultIntervalSeconds = 5;
    private const int MaxIntervalSeconds = 3600;
    private const int ConfigurationError = 2;

    public static Task<int> Main(string[] args)
    {
        var once = new Option<bool>("--once") { Description = "Answer the files there now, print one line per file, and exit." };
        var interval = new Option<int>("--interval")
        {
            Description = "Seconds between passes when not --once.",
            DefaultValueFactory = _ => DefaultIntervalSeconds,
        };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > MaxIntervalSeconds)
            {
                result.AddError($"--interval must be 1 to {MaxIntervalSeconds} seconds.");
            }
        });
        var mix = new Option<OutcomeMix>("--mix")
        {
            Description = "Weighted outcomes of rows whose member is found, active and named right, "
                + "e.g. SUCCESS=90,PROGRAMME_ERROR=5,ACCOUNT_CLOSED=5.",
            DefaultValueFactory = _ => OutcomeMix.AllSuccess,
            CustomParser = result =>
            {
                if (OutcomeMix.TryParse(result.Tokens.Single().Value, out var parsed, out var error))
                {
                    return parsed;
                }

                result.AddError(error);
                return null;
            },
        };
        var acceptUnknown = new Option<bool>("--accept-unknown-members")
        {
            Description = "Treat member ids nobody seeded as active members whose names match.",
        };
        var members = new Option<string>("--members")
        {
            Description = "The seeded members file.",
            DefaultValueFactory = _ => SeededMembers.DefaultPath,
        };

        var root = new RootCommand("The loyalty programmes' side of the file exchange: answers accrual files with handbacks.")
        {
            once, interval, mix, acceptUnknown, members,
        };
        root.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(once), parse.GetValue(interval), parse.GetRequiredValue(mix), parse.GetValue(acceptUnknown),
            parse.GetRequiredValue(members), cancellationToken));
        return root.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunAsync(
        bool once, int intervalSeconds, OutcomeMix mix, bool acceptUnknownMembers, string membersPath, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var bucket = configuration["Fulfilment:Bucket"];
        if (string.IsNullOrWhiteSpace(bucket))
        {
            await Console.Error.WriteLineAsync("Fulfilment__Bucket is not set (scripts/local-aws.sh env prints it).");
            return ConfigurationError;
        }

        SeededMembers seeded;
        try
        {
            seeded = await SeededMembers.LoadAsync(membersPath, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            await Console.Error.WriteLineAsync($"Cannot load the seeded members: {e.Message}");
            return ConfigurationError;
        }

        // In --once mode the printed lines are the output (failed files included); the log adds only errors.
        using var logging = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(once ? LogLevel.Error : LogLevel.Information)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            }));
        var logger = logging.CreateLogger("Loyalty.ProgrammeSimulator");

        // Same client as the API's: the emulator needs path-style addressing; in AWS the SDK finds everything itself.
        var endpoint = configuration["AWS_ENDPOINT_URL"];
        using var s3 = new AmazonS3Client(endpoint is null
            ? new AmazonS3Config()
            : new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true });
        var settings = new SimulatorSettings { Members = seeded, Mix = mix, AcceptUnknownMembers = acceptUnknownMembers };
        var simulator = new ProgrammeSimulator(s3, bucket, settings, TimeProvider.System, logger);

        if (once)
        {
            foreach (var file in await simulator.AnswerNewFilesAsync(cancellationToken))
            {
                Console.WriteLine(file);
            }

            return 0;
        }

        LogStarted(logger, bucket, endpoint ?? "AWS", mix, intervalSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(intervalSeconds), TimeProvider.System);
        try
        {
            do
            {
                try
                {
                    await simulator.AnswerNewFilesAsync(cancellationToken);
                }
                catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
                    || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // The emulator restarting or the network dropping must not end the demo; the next pass retries.
                    LogPassFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopping(logger);
        }

        return 0;
    }

    [LoggerMessage(EventId = 10, EventName = "Started", Level = LogLevel.Information,
        Message = "Answering accrual files in {Bucket} ({Endpoint}) with mix {Mix}, every {IntervalSeconds} s")]
    private static partial void LogStarted(ILogger logger, string bucket, string endpoint, OutcomeMix mix, int intervalSeconds);

    [LoggerMessage(EventId = 11, EventName = "PassFailed", Level = LogLevel.Error,
        Message = "This pass failed; retrying at the next interval")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, EventName = "Stopping", Level = LogLevel.Information, Message = "Stopping")]
    private static partial void LogStopping(ILogger logger);
}
