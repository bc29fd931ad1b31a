using System.Globalization;
using System.Net.Http.Headers;
using Amazon.S3;
using Amazon.SQS;
using Dapper;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>
/// The API over its own MariaDB database and its own local AWS, with the scheduled worker off: tests run
/// each fulfilment step themselves (through the same services the worker uses) and see exactly its effect.
/// </summary>
public sealed class FulfilmentFixture : IAsyncLifetime
{
    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"loyalty-test-{Guid.NewGuid():N}.key");
    private MariaDbServer? server;

    public LoyaltyApiFactory Factory { get; private set; } = null!;

    public LocalAws Aws { get; private set; } = null!;

    /// <summary>The admin user's connection, for tests to inspect and arrange the database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The API's own user: rows only.</summary>
    public string RuntimeConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = "loyalty_fulfil_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)
        + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public IServiceProvider Services => Factory.Services;

    public IAmazonS3 S3 => Services.GetRequiredService<IAmazonS3>();

    public IAmazonSQS Sqs => Services.GetRequiredService<IAmazonSQS>();

    public async Task InitializeAsync()
    {
        server = await MariaDbServer.StartAsync(DatabaseName);
        ConnectionString = server.ConnectionString;
        Aws = await LocalAws.StartAsync();
        var settings = Aws.Settings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value);
        settings["Fulfilment:WorkerEnabled"] = "false";
        // The API and its fulfilment run as a rows-only user, as in AWS (ApiFixture says why).
        settings["Database:MigrationConnectionString"] = ConnectionString;
        RuntimeConnectionString = server.RuntimeConnectionString(DatabaseName);
        // The app's clients would take credentials and region from the process environment (as on a machine with a
        // profile); the test host gets clients given them outright instead, so no test changes the process's environment.
        Factory = new LoyaltyApiFactory(RuntimeConnectionString, keyFile, settings, services => services
            .AddSingleton(_ => Aws.NewS3Client())
            .AddSingleton(_ => Aws.NewSqsClient()));
        Factory.StartServer();
    }

    public async Task DisposeAsync()
    {
        // A failed start leaves some of these unset; stop what did start rather than hide the start's error.
        File.Delete(keyFile);
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (Aws is not null)
        {
            await Aws.StopAsync();
        }

        if (server is not null)
        {
            await using (var connection = new MySqlConnection(ConnectionString))
            {
                await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{DatabaseName}`");
            }

            await server.DropUserAsync(RuntimeConnectionString);
            await server.StopAsync();
        }
    }

    public HttpClient Client(string clientId)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Services.GetRequiredService<DevelopmentIssuer>().Mint(clientId, Scopes.All, TimeSpan.FromMinutes(10)));
        return client;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task<MySqlConnection> OpenDatabaseAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

[CollectionDefinition(Name)]
public sealed class FulfilmentSuite : ICollectionFixture<FulfilmentFixture>
{
    public const string Name = "fulfilment";
}
