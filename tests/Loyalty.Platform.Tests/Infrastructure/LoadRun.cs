using System.Text.Json;

namespace Loyalty.Platform.Tests.Infrastructure;

/// <summary>One request as the load generator logs it (one JSON line per request).</summary>
public sealed record LoggedRequest(
    int Seq, string TraceId, string Call, string Method, string Path, int Status, string? Instance, string? Upstream,
    DateTimeOffset StartedAt, double Ms, string? Error, string? BankReference, string? TransactionId)
{
    public bool Succeeded => Status is >= 200 and < 300;

    public bool IsIdempotent => Method is "GET" or "HEAD";
}

/// <summary>The generator's end-of-run summary (its --report file).</summary>
public sealed record LoadReport(
    int Requests, int Succeeded, int Failed, double ElapsedSeconds, double RequestsPerSecond,
    Dictionary<string, int> PerInstance, Dictionary<string, double> LatencyMs, Dictionary<string, int> Errors, Dictionary<string, int> Calls);

/// <summary>A finished run of tools/Loyalty.LoadGen, as a process, with its log and report read back.</summary>
public sealed record LoadRun(ProcessResult Process, IReadOnlyList<LoggedRequest> Requests, LoadReport Report)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<LoadRun> RunAsync(string endpoint, string token, IEnumerable<string> options)
    {
        var folder = Directory.CreateTempSubdirectory("loyalty-loadgen-");
        try
        {
            var log = Path.Combine(folder.FullName, "requests.jsonl");
            var report = Path.Combine(folder.FullName, "report.json");
            var result = await Shell.RunAsync("dotnet",
                [Repository.LoadGenDll, "--endpoint", endpoint, "--token", token, "--log", log, "--report", report, "--quiet", .. options],
                timeout: TimeSpan.FromMinutes(5));
            if (!File.Exists(report))
            {
                throw new InvalidOperationException($"the load generator wrote no report ({result.ExitCode}):\n{result.Error}\n{result.Output}");
            }

            var requests = (await File.ReadAllLinesAsync(log))
                .Where(line => line.Length > 0)
                .Select(line => JsonSerializer.Deserialize<LoggedRequest>(line, Json)!)
                .ToList();
            return new LoadRun(result, requests, JsonSerializer.Deserialize<LoadReport>(await File.ReadAllTextAsync(report), Json)!);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
