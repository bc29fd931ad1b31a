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
    public async Task ReloadingNginxAgainAndAgainUnderLoad_ResetsNoRequest()
    {
        // Each reload closes the old worker's idle client connections; with keep-alive, 60 reloads at this rate reset
        // 2 to 8 requests in each of 3 runs. app/deploy/nginx/loyalty.conf.template says why and how it is avoided.
        const int reloads = 60;
        await using var load = cluster.StartLoad(["--rate", "400", "--duration", "240s", "--concurrency", "8", "--mix", "catalogue=1"]);
        await load.WaitUntilAsync("first requests", r => r.Count >= 50, EventLimit);
        for (var i = 0; i < reloads; i++)
        {
            (await cluster.ClusterAsync("reload")).EnsureSuccess("reload");
        }

        var run = await load.StopAsync();
        var failures = run.Requests.Where(r => !r.Succeeded).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {run.Requests.Count} failed over {reloads} reloads: {string.Join("; ", failures.Take(10))}");
    }

    [Fact]
    public async Task KillingOneInstance_FailsOnlyPostsInFlightOnIt_RetriesNothingElse_AndTheRestFlow()
    {
        var victim = (await cluster.InstancesAsync()).First(i => i.Up);
        // Mostly POSTs, so that requests caught on the victim include POSTs (0.3^8 odds against) and usually a GET.
        await using var load = cluster.StartLoad(
            ["--rate", "50", "--duration", "240s", "--concurrency", $"{Workers}", "--mix", "catalogue=2,programme=1,validate=2,accrual=5"]);
        await load.WaitUntilAsync("accruals served by the victim", r => r.Count(x => x.Instance == victim.Id && x.Call == "accrual") >= 3, EventLimit);

        // Frozen first, so requests pile up on the victim unanswered; killed once every worker waits on it. The kill
        // then provably lands on requests in flight, and no request can start between the last look and the kill.
        Signal("STOP", victim.Pid);
        int caught;
        DateTimeOffset killedAt;
        LoadRun run;
        try
        {
            try
            {
                caught = await WaitUntilEveryWorkerWaitsAsync(victim.Port, load);
            }
            finally
            {
                killedAt = DateTimeOffset.UtcNow;
                Signal("KILL", victim.Pid); // no drain, connections cut mid-request
            }

            // The rest flow: the load stops once a good run of requests started after the kill has finished.
            await load.WaitUntilAsync("requests after the kill", r => r.Count(x => x.StartedAt > killedAt.AddSeconds(1)) >= 200, EventLimit);
            run = await load.StopAsync();
            output.WriteLine(run.Process.Output);
        }
        finally
        {
            // The slot back for the other tests, also when this one fails.
            (await cluster.ClusterAsync("replace", $"{victim.Slot}")).EnsureSuccess("replace");
        }

        // Caught at the kill: sent to the victim first, started before the kill, never answered by it.
        var victimAddress = $"127.0.0.1:{victim.Port}";
        var cut = run.Requests
            .Where(r => Upstreams(r) is [var first, ..] && first == victimAddress && r.StartedAt < killedAt && r.Instance != victim.Id)
            .ToList();
        output.WriteLine($"{caught} requests waited on the victim at the kill: {string.Join("; ", cut)}");
        Assert.Equal(caught, cut.Count);

        // nginx never resends a POST that reached the victim: each one fails, answered by nginx alone.
        var postsCut = cut.Where(r => !r.IsIdempotent).ToList();
        Assert.NotEmpty(postsCut);
        Assert.All(postsCut, r => Assert.True(r.Status == 502 && Upstreams(r).SequenceEqual([victimAddress]), $"POST resent or not failed: {r}"));
        // A GET it dropped is retried on another instance and succeeds.
        Assert.All(cut.Where(r => r.IsIdempotent), r =>
            Assert.True(r.Succeeded && Upstreams(r).Length == 2 && r.Instance is not null, $"GET not retried elsewhere: {r}"));
        // And nothing else failed.
        Assert.Equal(postsCut.Select(r => r.Seq).Order(), run.Requests.Where(r => !r.Succeeded).Select(r => r.Seq).Order());

        var afterKill = run.Requests.Where(r => r.StartedAt > killedAt.AddSeconds(1)).ToList();
        Assert.NotEmpty(afterKill);
        Assert.All(afterKill, r => Assert.True(r.Succeeded, $"after the kill: {r}"));
        Assert.DoesNotContain(victim.Id, afterKill.Select(r => r.Instance));

        // A POST cut off on the dead instance may or may not have committed, but never twice.
        await AssertEachAccrualStoredOnceAsync(run.Requests.Where(r => r.Call == "accrual").ToList(), mustExist: false);
        await AssertEachAccrualStoredOnceAsync(run.Requests.Where(r => r.Call == "accrual" && r.Succeeded).ToList(), mustExist: true);
    }

    private const int Workers = 8;

    /// <summary>nginx's X-Upstream: every instance it tried for the request, in order.</summary>
    private static string[] Upstreams(LoggedRequest request) =>
        (request.Upstream ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", $"{pid}"]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// Waits until every worker waits on the stopped instance: no request has finished for <see cref="Quiet"/>. At
    /// this pace a worker with a request on a running instance finishes one every few hundred milliseconds. Counting
    /// connections with unread bytes on the victim's port would miss a request it had read just before the stop.
    /// </summary>
    private static async Task<int> WaitUntilEveryWorkerWaitsAsync(int port, LoadGeneration load)
    {
        var stoppedAt = DateTimeOffset.UtcNow;
        var deadline = stoppedAt + TimeSpan.FromSeconds(8); // under the generator's 10 s request timeout
        while (true)
        {
            var finished = load.Finished();
            var lastFinish = finished.Select(r => r.StartedAt.AddMilliseconds(r.Ms)).Append(stoppedAt).Max();
            if (DateTimeOffset.UtcNow - lastFinish >= Quiet)
            {
                return Workers;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                // Which requests still finished, and what sits on the victim's sockets, say where the free worker was.
                var sockets = (await Processes.RunAsync("ss", ["-Htn", "state", "established", $"( sport = :{port} )"])).EnsureSuccess("ss").Output;
                throw new TimeoutException($"requests kept finishing for 8 s after the instance on port {port} stopped; the last of them:\n"
                    + $"{string.Join("\n", finished.Where(r => r.StartedAt.AddMilliseconds(r.Ms) > stoppedAt).TakeLast(Workers))}\n"
                    + $"its sockets:\n{sockets}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);

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
