using Loyalty.Platform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Loyalty.Platform.Tests;

/// <summary>nginx in front of the cluster, as the README shows it: round robin over the instances.</summary>
[Collection(ClusterSuite.Name)]
public sealed class LoadBalancingTests(ClusterFixture cluster, ITestOutputHelper output)
{
    public const double MaxBusiestToIdlest = 1.2;

    [Fact]
    public async Task AThousandRequests_AreSpreadRoundRobin_TheBusiestInstanceServingAtMost1Point2TimesTheIdlest()
    {
        var instances = await cluster.InstancesAsync();

        var run = await cluster.GenerateLoadAsync("--requests", "1000", "--rate", "150", "--concurrency", "8");
        output.WriteLine(run.Process.Output);

        Assert.Equal(0, run.Process.ExitCode);
        Assert.Equal(1000, run.Report.Succeeded);
        var counts = instances.Select(i => run.Report.PerInstance.GetValueOrDefault(i.Id)).ToList();
        Assert.Equal(1000, counts.Sum());
        Assert.True(counts.Max() <= MaxBusiestToIdlest * counts.Min(), $"per instance: {string.Join(", ", counts)}");
    }
}
