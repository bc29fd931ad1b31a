using Dapper;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Api.Tests.Infrastructure;
using MySqlConnector;

namespace Loyalty.Api.Tests.Api;

/// <summary>The named locks that keep one publisher, exporter or migration at a time: per database, not per server.</summary>
[Collection(ApiSuite.Name)]
public sealed class SessionLockTests(ApiFixture api)
{
    private const string Name = "session-lock-test";

    [Fact]
    public async Task ALockHeldInOneDatabase_KeepsOutOnlySessionsOfThatDatabase()
    {
        var other = api.DatabaseName + "_lock";
        await using var admin = await api.OpenDatabaseAsync();
        await admin.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS `{other}`");
        try
        {
            await using var holder = await api.OpenDatabaseAsync();
            await using var sameDatabase = await api.OpenDatabaseAsync();
            await using var otherDatabase = new MySqlConnection(new MySqlConnectionStringBuilder(api.ConnectionString) { Database = other }.ConnectionString);
            await otherDatabase.OpenAsync();

            await using (var held = await SessionLock.TryAcquireAsync(holder, Name, CancellationToken.None))
            {
                Assert.NotNull(held);
                Assert.Null(await SessionLock.TryAcquireAsync(sameDatabase, Name, CancellationToken.None));
                await using var elsewhere = await SessionLock.TryAcquireAsync(otherDatabase, Name, CancellationToken.None);
                Assert.NotNull(elsewhere);
            }

            await using var afterRelease = await SessionLock.TryAcquireAsync(sameDatabase, Name, CancellationToken.None);
            Assert.NotNull(afterRelease);
        }
        finally
        {
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS `{other}`");
        }
    }
}
