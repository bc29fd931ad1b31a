using System.Text.Json;
using Loyalty.LoadGen;

namespace Loyalty.Platform.Tests.LoadGen;

/// <summary>How request records add up to the end-of-run summary and the JSON report.</summary>
public sealed class SummaryBuilderTests
{
    private long seq;

    [Fact]
    public void Build_CountsSuccessesFailuresCallsAndErrorKinds()
    {
        var summary = Summarise(
            Ok("a", "catalogue"), Ok("a", "accrual"), Ok("b", "catalogue"),
            Failed("http 503", status: 503, instance: "b"), Failed("timeout"), Failed("http 503", status: 503, instance: "a"));

        Assert.Equal((6L, 3L, 3L), (summary.Requests, summary.Succeeded, summary.Failed));
        Assert.Equal(new Dictionary<string, long> { ["http 503"] = 2, ["timeout"] = 1 }, summary.Errors);
        Assert.Equal(new Dictionary<string, long> { ["catalogue"] = 5, ["accrual"] = 1 }, summary.Calls);
    }

    [Fact]
    public void Build_CountsPerInstance_FallingBackToUpstreamThenNone()
    {
        var summary = Summarise(
            Ok("api-1"), Ok("api-1"), Ok("api-2"),
            Failed("http 502", status: 502, upstream: "127.0.0.1:5081"),
            Failed("connection refused"));

        Assert.Equal(new Dictionary<string, long> { ["(none)"] = 1, ["127.0.0.1:5081"] = 1, ["api-1"] = 2, ["api-2"] = 1 }, summary.PerInstance);
    }

    [Fact]
    public void Build_BusiestToIdlest_ComparesOnlyInstancesThatNamedThemselves()
    {
        var summary = Summarise(
            Ok("api-1"), Ok("api-1"), Ok("api-1"), Ok("api-2"), Ok("api-2"),
            Failed("http 502", status: 502, upstream: "127.0.0.1:5083"));

        Assert.Equal(1.5, summary.BusiestToIdlest);
    }

    [Fact]
    public void Build_NoInstanceAnswered_HasNoBusiestToIdlest() =>
        Assert.Null(Summarise(Failed("connection refused")).BusiestToIdlest);

    [Fact]
    public void Build_RateIsRequestsOverElapsedTime()
    {
        var builder = new SummaryBuilder();
        foreach (var record in Enumerable.Range(0, 50).Select(_ => Ok("a")))
        {
            builder.Add(record);
        }

        var summary = builder.Build(TimeSpan.FromSeconds(4));

        Assert.Equal(4, summary.ElapsedSeconds);
        Assert.Equal(12.5, summary.RequestsPerSecond);
    }

    [Fact]
    public void Build_LatencyPercentilesCoverFailedRequestsToo()
    {
        var summary = Summarise([.. Enumerable.Range(1, 9).Select(i => Ok("a", ms: i)), Failed("timeout", ms: 10_000)]);

        Assert.Equal(new LatencySummary(5, 9, 10_000, 10_000), summary.LatencyMs);
    }

    [Fact]
    public void Build_NothingRecorded_IsAllZeros()
    {
        var summary = new SummaryBuilder().Build(TimeSpan.Zero);

        Assert.Equal((0L, 0L, 0L, 0.0), (summary.Requests, summary.Succeeded, summary.Failed, summary.RequestsPerSecond));
        Assert.Equal(LatencySummary.Empty, summary.LatencyMs);
        Assert.Empty(summary.PerInstance);
    }

    [Fact]
    public void Report_HasTheAgreedCamelCaseShape()
    {
        var summary = Summarise(Ok("api-1", "accrual", ms: 2), Failed("http 503", status: 503, instance: "api-2", ms: 4));

        using var report = JsonDocument.Parse(JsonSerializer.Serialize(summary, LoadGenJson.Default.Summary));
        var root = report.RootElement;

        Assert.Equal(
            ["requests", "succeeded", "failed", "elapsedSeconds", "requestsPerSecond", "perInstance", "latencyMs", "errors", "calls"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["p50", "p90", "p99", "max"], root.GetProperty("latencyMs").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("perInstance").GetProperty("api-2").GetInt64());
        Assert.Equal(1, root.GetProperty("errors").GetProperty("http 503").GetInt64());
        Assert.Equal(4, root.GetProperty("latencyMs").GetProperty("max").GetDouble());
    }

    [Fact]
    public void LogLine_HasTheAgreedFields_WithNullsWritten()
    {
        var record = Ok("api-1", "catalogue");

        using var line = JsonDocument.Parse(JsonSerializer.Serialize(record, LoadGenJson.Default.RequestRecord));

        Assert.Equal(
            ["seq", "traceId", "call", "method", "path", "status", "instance", "upstream", "startedAt", "ms", "error", "bankReference", "transactionId"],
            line.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, line.RootElement.GetProperty("error").ValueKind);
        Assert.EndsWith("Z", line.RootElement.GetProperty("startedAt").GetString(), StringComparison.Ordinal);
    }

    private static Summary Summarise(params RequestRecord[] records)
    {
        var builder = new SummaryBuilder();
        foreach (var record in records)
        {
            builder.Add(record);
        }

        return builder.Build(TimeSpan.FromSeconds(1));
    }

    private RequestRecord Ok(string instance, string call = "catalogue", double ms = 1) =>
        Record(call, 200, instance, upstream: null, error: null, ms);

    private RequestRecord Failed(string error, int status = 0, string? instance = null, string? upstream = null, double ms = 1) =>
        Record("catalogue", status, instance, upstream, error, ms);

    private RequestRecord Record(string call, int status, string? instance, string? upstream, string? error, double ms)
    {
        var n = ++seq;
        return new RequestRecord(n, TraceIds.For("0123456789abcdef", n), call, "GET", "/v1/programmes", status, instance, upstream,
            new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc), ms, error, null, null);
    }
}
