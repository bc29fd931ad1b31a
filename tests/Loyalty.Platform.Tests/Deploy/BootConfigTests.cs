using Loyalty.Platform.Tests.Infrastructure;

namespace Loyalty.Platform.Tests.Deploy;

/// <summary>
/// The boot step (app/deploy/loyalty-config.sh) against the local AWS: the stage's SSM parameters and the database
/// secrets, read with the AWS CLI, become the API's root-only environment file and the migration step's.
/// </summary>
[Collection(BundleSuite.Name)]
public sealed class BootConfigTests(PublishedBundle bundle) : IAsyncLifetime
{
    private readonly Dictionary<string, string> aws = new()
    {
        ["LOYALTY_AWS_DIR"] = Path.Combine(RepositoryRoot.Path, ".local", "aws-boot"),
    };

    private readonly string stage = $"boot{Guid.NewGuid():N}"[..12];

    private string SecretName => $"loyalty/{stage}/database/app";

    public async Task InitializeAsync()
    {
        (await Processes.BashAsync(RepositoryRoot.Script("local-aws.sh"), ["start"], aws)).EnsureSuccess("local-aws.sh start");
        var url = (await Processes.BashAsync(RepositoryRoot.Script("local-aws.sh"), ["url"], aws)).EnsureSuccess("local-aws.sh url").Output.Trim();
        aws["AWS_ENDPOINT_URL"] = url;
        aws["AWS_ACCESS_KEY_ID"] = "local";
        aws["AWS_SECRET_ACCESS_KEY"] = "local";
        aws["AWS_DEFAULT_REGION"] = "eu-west-1";
    }

    public async Task DisposeAsync() => await Processes.BashAsync(RepositoryRoot.Script("local-aws.sh"), ["stop"], aws);

    [Fact]
    public async Task Boot_WritesEverySettingAndTheTlsConnectionString_ToARootOnlyFile_AndTheMasterUserOnlyForTheMigration()
    {
        await ParameterAsync("Auth__Issuer", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test");
        await ParameterAsync("Fulfilment__Bucket", "loyalty-dev-partner-files");
        await ParameterAsync("Auth__TokenEndpoint", "say \"hello\" \\ goodbye");
        var secret = await SecretAsync("""{"username":"loyalty_app","password":"s3cr3t-P4ss","host":"db.internal","port":3306,"dbname":"loyalty"}""");
        var master = await SecretAsync("""{"username":"loyalty_admin","password":"M4st3r-P4ss","host":"db.internal","port":3306,"dbname":"loyalty"}""");
        var root = RootWithStage(secret, master);

        var result = (await BootAsync(root)).EnsureSuccess("loyalty-config.sh");

        var file = Path.Combine(root, "etc", "loyalty", "api.env");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(
        [
            "ASPNETCORE_URLS=\"http://0.0.0.0:8080\"",
            "Auth__Issuer=\"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test\"",
            "Auth__TokenEndpoint=\"say \\\"hello\\\" \\\\ goodbye\"",
            "Fulfilment__Bucket=\"loyalty-dev-partner-files\"",
            "Database__ConnectionString=\"Server=db.internal;Port=3306;Database=loyalty;User ID=loyalty_app;SslMode=VerifyFull;SslCa=/etc/pki/loyalty/rds-global-bundle.pem\"",
            $"Database__PasswordSecret=\"{SecretName}\"",
        ], lines);
        var migration = Path.Combine(root, "etc", "loyalty", "migrate.env");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(migration));
        Assert.Equal(
        [
            "Database__MigrationConnectionString=\"Server=db.internal;Port=3306;Database=loyalty;User ID=loyalty_admin;Password=M4st3r-P4ss;SslMode=VerifyFull;SslCa=/etc/pki/loyalty/rds-global-bundle.pem\"",
            "Database__ConnectionString=\"Server=db.internal;Port=3306;Database=loyalty;User ID=loyalty_app;Password=s3cr3t-P4ss;SslMode=VerifyFull;SslCa=/etc/pki/loyalty/rds-global-bundle.pem\"",
        ], await File.ReadAllLinesAsync(migration));
        // The API never holds the master user, nor its own password on disk: it reads that from the secret (rotated).
        Assert.DoesNotContain("M4st3r", string.Join('\n', lines), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", string.Join('\n', lines), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("M4st3r", result.Output + result.Error, StringComparison.Ordinal);
        // The API's log exists before systemd appends to it, readable by the CloudWatch agent's user.
        var log = Path.Combine(root, "var", "log", "loyalty", "api.log");
        Assert.True(File.GetUnixFileMode(log).HasFlag(UnixFileMode.OtherRead), $"{log} is not readable by the agent");
        Assert.Equal(["api.env", "migrate.env", "stage.env"], Directory.EnumerateFiles(Path.Combine(root, "etc", "loyalty")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task ASecretWithoutItsPassword_FailsTheBoot_AndLeavesThePreviousFileWhole()
    {
        await ParameterAsync("Auth__Issuer", "https://issuer.example");
        var secret = await SecretAsync("""{"username":"loyalty_app","host":"db.internal","port":3306,"dbname":"loyalty"}""");
        var root = RootWithStage(secret, await MasterSecretAsync());
        var file = Path.Combine(root, "etc", "loyalty", "api.env");
        await File.WriteAllTextAsync(file, "Previous=\"settings\"\n");

        var result = await BootAsync(root);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("the database secret lacks password", result.Error, StringComparison.Ordinal);
        Assert.Equal("Previous=\"settings\"\n", await File.ReadAllTextAsync(file));
        Assert.Equal(["api.env", "stage.env"], Directory.EnumerateFiles(Path.Combine(root, "etc", "loyalty")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task AParameterOutsideTheAllowList_FailsTheBoot_NamingIt_AndLeavesThePreviousFileWhole()
    {
        // Together they would have switched token validation to the local development issuer.
        await ParameterAsync("Auth__Issuer", "https://issuer.example");
        await ParameterAsync("ASPNETCORE_ENVIRONMENT", "Staging");
        await ParameterAsync("Auth__DevelopmentKeyFile", "/tmp/key");
        var secret = await SecretAsync("""{"username":"loyalty_app","password":"s3cr3t-P4ss","host":"db.internal","port":3306,"dbname":"loyalty"}""");
        var root = RootWithStage(secret, await MasterSecretAsync());
        var file = Path.Combine(root, "etc", "loyalty", "api.env");
        await File.WriteAllTextAsync(file, "Previous=\"settings\"\n");

        var result = await BootAsync(root);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ASPNETCORE_ENVIRONMENT, Auth__DevelopmentKeyFile under the stage's path is not a setting", result.Error, StringComparison.Ordinal);
        Assert.Equal("Previous=\"settings\"\n", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task AStageFileWithoutTheSecret_FailsTheBoot_NamingTheFileAndSetting()
    {
        var root = bundle.NewRoot();
        Directory.CreateDirectory(Path.Combine(root, "etc", "loyalty"));
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "loyalty", "stage.env"),
            $"LOYALTY_STAGE={stage}\nAWS_REGION=eu-west-1\nLOYALTY_PARAMETER_PATH=/loyalty/{stage}/api/\nLOYALTY_APP_PORT=8080\n");

        var result = await BootAsync(root);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("etc/loyalty/stage.env: LOYALTY_DB_SECRET_ARN is not set", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "etc", "loyalty", "api.env")));
    }

    private string RootWithStage(string secretArn, string migrationSecretArn)
    {
        var root = bundle.NewRoot();
        Directory.CreateDirectory(Path.Combine(root, "etc", "loyalty"));
        File.WriteAllText(Path.Combine(root, "etc", "loyalty", "stage.env"),
            $"LOYALTY_STAGE={stage}\nAWS_REGION=eu-west-1\nLOYALTY_PARAMETER_PATH=/loyalty/{stage}/api/\n" +
            $"LOYALTY_DB_SECRET_ARN={secretArn}\nLOYALTY_DB_SECRET_NAME={SecretName}\nLOYALTY_MIGRATION_SECRET_ARN={migrationSecretArn}\nLOYALTY_APP_PORT=8080\n");
        return root;
    }

    private Task<string> MasterSecretAsync() =>
        SecretAsync("""{"username":"loyalty_admin","password":"M4st3r-P4ss","host":"db.internal","port":3306,"dbname":"loyalty"}""");

    private Task<ProcessResult> BootAsync(string root) =>
        Processes.BashAsync(Path.Combine(bundle.Folder, "deploy", "loyalty-config.sh"), [], new Dictionary<string, string>(aws) { ["LOYALTY_ROOT"] = root });

    private async Task ParameterAsync(string name, string value) =>
        // As JSON input: the CLI would fetch a --value that looks like a URL.
        (await Processes.RunAsync("aws", ["ssm", "put-parameter", "--cli-input-json",
            System.Text.Json.JsonSerializer.Serialize(new { Name = $"/loyalty/{stage}/api/{name}", Value = value, Type = "String" })], aws))
            .EnsureSuccess("put-parameter");

    private async Task<string> SecretAsync(string json) =>
        (await Processes.RunAsync("aws", ["secretsmanager", "create-secret", "--name", $"{stage}-db-{Guid.NewGuid():N}", "--secret-string", json,
            "--query", "ARN", "--output", "text"], aws)).EnsureSuccess("create-secret").Output.Trim();
}
