using Amazon.Runtime;
using Amazon.S3;
using Amazon.SimpleSystemsManagement;
using Amazon.SQS;

namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>
/// The project's local AWS (scripts/local-aws.sh: moto's server with the dev stage deployed into it by the deploy
/// rehearsal) in a state folder of this test run alone, so its emulator is ours to stop. The settings are the
/// stack's own SSM parameters: the tests run on the stage's bucket, queues, dead-letter queues and timeouts.
/// </summary>
public sealed class LocalAws
{
    private readonly string script;
    private readonly Dictionary<string, string> environment;

    private LocalAws(string script, Dictionary<string, string> environment, IReadOnlyDictionary<string, string> settings)
    {
        this.script = script;
        this.environment = environment;
        Settings = settings;
    }

    /// <summary>What the app is configured with (AWS_* and the stack's Fulfilment__* parameters), as the script prints it.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public string Endpoint => Settings["AWS_ENDPOINT_URL"];

    public string Bucket => Settings["Fulfilment__Bucket"];

    public string BankQueue(string bank) => Settings[$"Fulfilment__BankQueues__{bank}"];

    /// <summary>
    /// An S3 client for the emulator, given its endpoint, region and credentials outright: the SDK's default chain would
    /// read them from this process's environment, which the tests leave as they found it.
    /// </summary>
    public IAmazonS3 NewS3Client() => new AmazonS3Client(Credentials, S3Config());

    /// <summary>What <see cref="NewS3Client"/> is made with, for a test's own client class.</summary>
    public AmazonS3Config S3Config() => new() { ServiceURL = Endpoint, ForcePathStyle = true, AuthenticationRegion = Settings["AWS_REGION"] };

    /// <summary>An SQS client for the emulator, configured as <see cref="NewS3Client"/> is.</summary>
    public IAmazonSQS NewSqsClient() => new AmazonSQSClient(Credentials,
        new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = Settings["AWS_REGION"] });

    /// <summary>A Parameter Store client for the emulator, configured as <see cref="NewS3Client"/> is.</summary>
    public IAmazonSimpleSystemsManagement NewSsmClient() => new AmazonSimpleSystemsManagementClient(Credentials,
        new AmazonSimpleSystemsManagementConfig { ServiceURL = Endpoint, AuthenticationRegion = Settings["AWS_REGION"] });

    /// <summary>The AWS CLI against the emulator: for the services whose .NET SDK the package feed lacks (Secrets Manager).</summary>
    public async Task<string> CliAsync(params string[] arguments) =>
        (await Processes.RunAsync("aws", ["--output", "json", .. arguments],
            Settings.Where(s => s.Key.StartsWith("AWS_", StringComparison.Ordinal)).ToDictionary()))
        .EnsureSuccess($"aws {string.Join(' ', arguments.Take(2))}").Output;

    public BasicAWSCredentials Credentials => new(Settings["AWS_ACCESS_KEY_ID"], Settings["AWS_SECRET_ACCESS_KEY"]);

    public static async Task<LocalAws> StartAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["LOYALTY_AWS_DIR"] = Path.Combine(RepositoryRoot.Path, ".local", $"aws-test-{Environment.ProcessId}"),
        };
        var script = RepositoryRoot.Script("local-aws.sh");
        // Start rehearses the dev stage into the emulator: a CDK synth and a CloudFormation deploy, minutes on a
        // busy two-core machine.
        (await RunAsync(script, "start", environment, TimeSpan.FromMinutes(10))).EnsureSuccess("local-aws.sh start");
        var settings = (await RunAsync(script, "env", environment)).EnsureSuccess("local-aws.sh env").Settings();
        return new LocalAws(script, environment, settings);
    }

    public async Task StopAsync()
    {
        (await RunAsync(script, "stop", environment)).EnsureSuccess("local-aws.sh stop");
        Directory.Delete(environment["LOYALTY_AWS_DIR"], recursive: true);
    }

    private static Task<ProcessResult> RunAsync(string script, string verb, Dictionary<string, string> environment, TimeSpan? timeout = null) =>
        Processes.BashAsync(script, [verb], environment, timeout ?? TimeSpan.FromMinutes(2));
}
