using MySqlConnector;

namespace Loyalty.Api.Infrastructure.Database;

public static class DatabaseSetup
{
    public static IServiceCollection AddLoyaltyDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BankClientOptions>().Bind(configuration.GetSection(BankClientOptions.Section));
        services.AddSingleton(provider => DataSource(
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value.ConnectionString,
            provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    /// <summary>A data source on <paramref name="connectionString"/> as the app reads the schema.</summary>
    public static MySqlDataSource DataSource(string connectionString, ILoggerFactory loggers)
    {
        // Every instant in the schema is UTC; reading them as Utc makes the JSON carry the Z.
        var connection = new MySqlConnectionStringBuilder(connectionString) { DateTimeKind = MySqlDateTimeKind.Utc };
        return new MySqlDataSourceBuilder(connection.ConnectionString).UseLoggerFactory(loggers).Build();
    }

    /// <summary>MariaDB keeps microseconds; truncating first makes what we answer equal what we stored.</summary>
    public static DateTimeOffset TruncateToMicroseconds(this DateTimeOffset value) =>
        value.AddTicks(-(value.Ticks % (TimeSpan.TicksPerMillisecond / 1000)));
}
