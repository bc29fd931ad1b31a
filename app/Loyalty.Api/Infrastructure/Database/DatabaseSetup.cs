using Amazon.SimpleSystemsManagement;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

public static class DatabaseSetup
{
    public static IServiceCollection AddLoyaltyDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BankClientOptions>().Bind(configuration.GetSection(BankClientOptions.Section));
        services.TryAddSingleton<IAmazonSimpleSystemsManagement>(_ => AwsClients.Ssm(configuration[AwsClients.EndpointSetting]));
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            // The Parameter Store client only where it is used: outside AWS it cannot be made without a region.
            var password = settings.PasswordSecret is { Length: > 0 } secret
                ? new SecretPassword(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), secret)
                : null;
            return DataSource(settings.ConnectionString, provider.GetRequiredService<ILoggerFactory>(), password,
                TimeSpan.FromSeconds(settings.PasswordRefreshSeconds));
        });
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    /// <summary>A data source on <paramref name="connectionString"/> as the app reads the schema.</summary>
    public static MySqlDataSource DataSource(string connectionString, ILoggerFactory loggers) =>
        DataSource(connectionString, loggers, password: null, TimeSpan.Zero);

    /// <summary>
    /// A data source on <paramref name="connectionString"/> as the app reads the schema, logging in with the password
    /// of <paramref name="password"/> read again every <paramref name="passwordRefresh"/> when it is given.
    /// </summary>
    public static MySqlDataSource DataSource(string connectionString, ILoggerFactory loggers, SecretPassword? password, TimeSpan passwordRefresh)
    {
        // Every instant in the schema is UTC; reading them as Utc makes the JSON carry the Z.
        var connection = new MySqlConnectionStringBuilder(connectionString) { DateTimeKind = MySqlDateTimeKind.Utc };
        var builder = new MySqlDataSourceBuilder(connection.ConnectionString).UseLoggerFactory(loggers);
        if (password is not null)
        {
            // A failed read is tried again soon; until one succeeds, new connections fail (answered 503).
            builder.UsePeriodicPasswordProvider(password.ReadAsync, passwordRefresh, TimeSpan.FromSeconds(2));
        }

        return builder.Build();
    }

    /// <summary>MariaDB keeps microseconds; truncating first makes what we answer equal what we stored.</summary>
    public static DateTimeOffset TruncateToMicroseconds(this DateTimeOffset value) =>
        value.AddTicks(-(value.Ticks % (TimeSpan.TicksPerMillisecond / 1000)));
}
