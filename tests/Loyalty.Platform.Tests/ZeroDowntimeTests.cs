using System.Diagnostics;
using Dapper;
using Loyalty.Platform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Loyalty.Platform.Tests;

/// <summary>
/// The local cluster under load from the load generator while its instances are replaced or killed: what a rolling
/// deploy and a crashed host do to bank traffic behind the load balancer.
/// </summary>
[Collection(ClusterSuite.Name)]
public sealed class ZeroDowntimeTests(ClusterFixture cluster, ITestOutputHelper output)
{
    // Bounded by count and time; paced so the load outlasts the replacements, accruals included.
    private static readonly string[] Load =
        ["--requests", "1500", "--rate", "50", "--duration", "90s", "--concurrency", "8", "--mix", "catalogue=4,programme=2,validate=2,accrual=2"];

    [Fact]
    public async Task ReplacingEveryInstanceOneByOne_ThenReloadingNginx_FailsNoRequest_AndKeepsEveryAccrualExactlyOnce()
    {
        var before = await cluster.InstancesAsync();
        var load = cluster.GenerateLoadAsync(Load);

        await Task.Delay(TimeSpan.FromSeconds(3)); // a bounded head start, so the first replacement meets traffic
        foreach (var instance in before)
        {
            output.WriteLine((await cluster.ClusterAsync("replace", $"{instance.Slot}")).EnsureSuccess("replace").Output.Trim());
        }

        (await cluster.ClusterAsync("reload")).EnsureSuccess("reload");
        var replacedAt = DateTimeOffset.UtcNow;
        var run = await load;
        output.WriteLine(run.Process.Output);

        var failures = run.Requests.Where(r => !r.Succeeded).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} failed: {string.Join("; ", failures.Take(10))}");
        Assert.Equal(run.Report.Requests, run.Requests.Count);
        Assert.Contains(run.Requests, r => r.StartedAt > replacedAt); // the load outlasted the whole rollout

        var after = await cluster.InstancesAsync();
        Assert.Empty(after.Select(i => i.Id).Intersect(before.Select(i => i.Id)));
        Assert.All(before, old => Assert.False(IsRunning(old.Pid), $"{old.Id} still runs"));
        var servedBy = run.Requests.Select(r => r.Instance).ToHashSet();
        Assert.All(before.Concat(after), i => Assert.Contains(i.Id, servedBy));

        await AssertEachAccrualStoredOnceAsync(run.Requests.Where(r => r.Call == "accrual").ToList(), mustExist: true);
    }

    [Fact]
    public async Task KillingOneInstance_FailsOnlyPostsInFlightOnIt_RetriesNothingElse_AndTheRestFlow()
    {
        var victim = (await cluster.InstancesAsync()).First(i => i.Up);
        var load = cluster.GenerateLoadAsync(Load);

        await Task.Delay(TimeSpan.FromSeconds(5)); // a bounded head start: the kill lands mid-traffic
        var killedAt = DateTimeOffset.UtcNow;
        using (var process = Process.GetProcessById(victim.Pid))
        {
            process.Kill(); // SIGKILL: no drain, connections cut mid-request
        }

        var run = await load;
        output.WriteLine(run.Process.Output);
        (await cluster.ClusterAsync("replace", $"{victim.Slot}")).EnsureSuccess("replace"); // the slot back, for other tests

        var failures = run.Requests.Where(r => !r.Succeeded).ToList();
        output.WriteLine($"{failures.Count} failed: {string.Join("; ", failures)}");
        // nginx retries a GET the dead instance dropped; a POST that reached it is never sent again.
        Assert.All(failures, f => Assert.False(f.IsIdempotent, $"a {f.Method} failed: {f}"));
        Assert.All(failures, f => Assert.EndsWith($":{victim.Port}", f.Upstream ?? "", StringComparison.Ordinal));
        // Only what was in flight at the kill: at most one request per worker, all started before it.
        Assert.True(failures.Count <= 8, $"{failures.Count} failures for 8 workers");
        Assert.All(failures, f => Assert.True(f.StartedAt <= killedAt.AddSeconds(1), $"started after the kill: {f}"));

        var afterKill = run.Requests.Where(r => r.StartedAt > killedAt.AddSeconds(1)).ToList();
        Assert.NotEmpty(afterKill);
        Assert.All(afterKill, r => Assert.True(r.Succeeded, $"after the kill: {r}"));
        Assert.DoesNotContain(victim.Id, afterKill.Select(r => r.Instance));

        // A POST cut off on the dead instance may or may not have committed, but never twice.
        await AssertEachAccrualStoredOnceAsync(run.Requests.Where(r => r.Call == "accrual").ToList(), mustExist: false);
        await AssertEachAccrualStoredOnceAsync(run.Requests.Where(r => r.Call == "accrual" && r.Succeeded).ToList(), mustExist: true);
    }

    private async Task AssertEachAccrualStoredOnceAsync(IReadOnlyList<LoggedRequest> accruals, bool mustExist)
    {
        Assert.NotEmpty(accruals);
        await using var connection = await cluster.OpenDatabaseAsync();
        var stored = (await connection.QueryAsync<(string Reference, string Id)>(
            "SELECT bank_reference, id FROM transactions WHERE bank_code = 'HARB' AND bank_reference IN @References",
            new { References = accruals.Select(a => a.BankReference).ToList() })).ToList();

        Assert.Equal(stored.Count, stored.Select(s => s.Reference).Distinct().Count());
        if (mustExist)
        {
            Assert.Equal(accruals.Select(a => (a.BankReference!, a.TransactionId!)).Order(), stored.Select(s => (s.Reference, s.Id)).Order());
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
