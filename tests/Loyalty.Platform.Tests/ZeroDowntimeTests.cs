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
    // Paced, and bounded by time only as a backstop: each test stops the load once what it watches has happened.
    private static readonly string[] Load =
        ["--rate", "50", "--duration", "240s", "--concurrency", "8", "--mix", "catalogue=4,programme=2,validate=2,accrual=2"];

    private static readonly TimeSpan EventLimit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ReplacingEveryInstanceOneByOne_ThenReloadingNginx_FailsNoRequest_AndKeepsEveryAccrualExactlyOnce()
    {
        var before = (await cluster.InstancesAsync()).Where(i => i.Up).ToList();
        Assert.Equal(ClusterFixture.Instances, before.Count);
        await using var load = cluster.StartLoad(Load);

        // The first replacement meets traffic: every instance has served before it starts.
        await load.WaitUntilAsync("request served by every instance", r => before.All(i => r.Any(x => x.Instance == i.Id)), EventLimit);
        foreach (var instance in before)
        {
            output.WriteLine((await cluster.ClusterAsync("replace", $"{instance.Slot}")).EnsureSuccess("replace").Output.Trim());
        }

        (await cluster.ClusterAsync("reload")).EnsureSuccess("reload");
        var replacedAt = DateTimeOffset.UtcNow;
        var after = await cluster.InstancesAsync();
        // The load outlasts the whole rollout: it stops only once every new instance has served after the reload.
        await load.WaitUntilAsync("request served by every new instance after the reload",
            r => after.All(i => r.Any(x => x.Instance == i.Id && x.StartedAt > replacedAt)), EventLimit);
        var run = await load.StopAsync();
        output.WriteLine(run.Process.Output);

        var failures = run.Requests.Where(r => !r.Succeeded).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} failed: {string.Join("; ", failures.Take(10))}");
        Assert.Equal(run.Report.Requests, run.Requests.Count);

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
        await using var load = cluster.StartLoad(Load);

        // The kill lands mid-traffic: the victim has served a few accruals and keeps getting its share.
        await load.WaitUntilAsync("accruals served by the victim", r => r.Count(x => x.Instance == victim.Id && x.Call == "accrual") >= 3, EventLimit);
        var killedAt = DateTimeOffset.UtcNow;
        using (var process = Process.GetProcessById(victim.Pid))
        {
            process.Kill(); // SIGKILL: no drain, connections cut mid-request
        }

        // The rest flow: the load stops once a good run of requests started after the kill has finished.
        await load.WaitUntilAsync("requests after the kill", r => r.Count(x => x.StartedAt > killedAt.AddSeconds(1)) >= 200, EventLimit);
        var run = await load.StopAsync();
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
