using System.Globalization;
using System.Net.Http.Headers;
using Dapper;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MySqlConnector;

namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>The API on real Kestrel (loopback, a free port) over a real MariaDB, built once per test run.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string HarbClient = "harb-local"; // the local settings' ids (appsettings.Development.json), as the host loads them too
    public const string OrchClient = "orch-local";
    public const string NvalClient = "nval-local";
    public const string StrayClient = "stray-test";

    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"loyalty-test-{Guid.NewGuid():N}.key");
    private MariaDbServer? server;

    public LoyaltyApiFactory Factory { get; private set; } = null!;

    /// <summary>The admin user's connection, for tests to inspect and arrange the database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The API's own user: rows only.</summary>
    public string RuntimeConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = "loyalty_test_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)
        + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        server = await MariaDbServer.StartAsync(DatabaseName);
        ConnectionString = server.ConnectionString;
        // The API runs as a rows-only user its start-up migration makes, as it does in AWS: no test passes on a
        // privilege production lacks.
        RuntimeConnectionString = server.RuntimeConnectionString(DatabaseName);
        Factory = new LoyaltyApiFactory(RuntimeConnectionString, keyFile,
            new Dictionary<string, string?> { ["Database:MigrationConnectionString"] = ConnectionString });
        Factory.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await using (var connection = new MySqlConnection(ConnectionString))
        {
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{DatabaseName}`");
        }

        File.Delete(keyFile);
        if (server is not null)
        {
            await server.DropUserAsync(RuntimeConnectionString);
            await server.StopAsync();
        }
    }

    public HttpClient Client(string? clientId = HarbClient, params string[] scopes)
    {
        var client = Factory.CreateClient();
        if (clientId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(clientId, scopes));
        }

        return client;
    }

    public string Token(string clientId, params string[] scopes) =>
        Factory.Services.GetRequiredService<DevelopmentIssuer>()
            .Mint(clientId, scopes.Length == 0 ? Scopes.All : scopes, TimeSpan.FromMinutes(10));

    public async Task<MySqlConnection> OpenDatabaseAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

/// <summary>The real Program, on Kestrel, configured for tests only through settings.</summary>
public sealed class LoyaltyApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? services;

    public const string TokenEndpoint = "https://loyalty-test.auth.eu-west-1.amazoncognito.com/oauth2/token";

    /// <param name="services">Replaces some of the app's services in the test host (registered after the app's own).</param>
    public LoyaltyApiFactory(
        string connectionString, string keyFile, IReadOnlyDictionary<string, string?> overrides, Action<IServiceCollection>? services = null)
    {
        this.services = services;
        settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            ["Auth:Issuer"] = "http://127.0.0.1/loyalty-test-issuer",
            ["Auth:TokenEndpoint"] = TokenEndpoint,
            ["Auth:DevelopmentKeyFile"] = keyFile,
            [$"BankClients:Clients:{ApiFixture.HarbClient}"] = "HARB",
            [$"BankClients:Clients:{ApiFixture.OrchClient}"] = "ORCH",
            [$"BankClients:Clients:{ApiFixture.NvalClient}"] = "NVAL",
            ["Instance:Id"] = "test-instance",
            ["RateLimit:PermitsPerSecond"] = "10000",
            ["RateLimit:Burst"] = "10000",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Development); // the only one the development issuer runs in
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        // What the app warns of or fails with, for tests to name in their failure messages.
        builder.ConfigureLogging(logging => logging.AddFakeLogging(options =>
            options.FilteredLevels = new HashSet<LogLevel> { LogLevel.Warning, LogLevel.Error, LogLevel.Critical }));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>The app's warnings and errors so far.</summary>
    public IReadOnlyList<FakeLogRecord> Warnings => Services.GetFakeLogCollector().GetSnapshot();
}

[CollectionDefinition(Name)]
public sealed class ApiSuite : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
