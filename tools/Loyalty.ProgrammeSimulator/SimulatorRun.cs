using Amazon.Runtime;
using Loyalty.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Loyalty.Simulation;

/// <summary>
/// One run of the simulator: its settings from the environment exactly as the API reads them
/// (<c>AWS_ENDPOINT_URL</c> for the local emulator, unset in AWS; the SDK's region and credentials;
/// <c>Fulfilment__Bucket</c>), the seeded members, then one pass or a pass every interval.
/// </summary>
internal static partial class SimulatorRun
{
    private const int ConfigurationError = 2;

    public static async Task<int> RunAsync(
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

        var endpoint = configuration[AwsClients.EndpointSetting];
        using var s3 = AwsClients.S3(endpoint);
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
        await RunEveryAsync(simulator, TimeSpan.FromSeconds(intervalSeconds), logger, cancellationToken);
        return 0;
    }

    /// <summary>A pass every <paramref name="interval"/> until cancelled; a failed pass is logged and the next one retries.</summary>
    private static async Task RunEveryAsync(ProgrammeSimulator simulator, TimeSpan interval, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, TimeProvider.System);
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
