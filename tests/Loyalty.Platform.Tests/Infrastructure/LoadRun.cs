using System.Diagnostics;
using System.Globalization;
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
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<LoadRun> RunAsync(string endpoint, string token, IEnumerable<string> options)
    {
        await using var load = LoadGeneration.Start(endpoint, token, options);
        return await load.CompleteAsync();
    }
}

/// <summary>
/// A running load generator that a test watches through its log (flushed as requests finish) and ends when the
/// event it waits for has happened: the load lasts as long as the work under test, not a guessed number of seconds.
/// Its own --duration and --requests still bound it.
/// </summary>
public sealed class LoadGeneration : IAsyncDisposable
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromMinutes(5);

    private readonly Process process;
    private readonly DirectoryInfo folder;
    private readonly string log;
    private readonly string report;
    private readonly Task<string> stdout;
    private readonly Task<string> stderr;

    private LoadGeneration(Process process, DirectoryInfo folder, string log, string report)
    {
        this.process = process;
        this.folder = folder;
        this.log = log;
        this.report = report;
        stdout = process.StandardOutput.ReadToEndAsync();
        stderr = process.StandardError.ReadToEndAsync();
    }

    public static LoadGeneration Start(string endpoint, string token, IEnumerable<string> options)
    {
        var folder = Directory.CreateTempSubdirectory("loyalty-loadgen-");
        var log = Path.Combine(folder.FullName, "requests.jsonl");
        var report = Path.Combine(folder.FullName, "report.json");
        var start = new ProcessStartInfo("dotnet",
            [RepositoryRoot.Built(Path.Combine("tools", "Loyalty.LoadGen"), "Loyalty.LoadGen.dll"), "--endpoint", endpoint, "--token", token, "--log", log, "--report", report, "--quiet", .. options])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the load generator");
        return new LoadGeneration(process, folder, log, report);
    }

    /// <summary>The requests finished so far (whole lines of the log only).</summary>
    public IReadOnlyList<LoggedRequest> Finished()
    {
        if (!File.Exists(log))
        {
            return [];
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return Parse(text[..(text.LastIndexOf('\n') + 1)]);
    }

    /// <summary>Polls the log until <paramref name="condition"/> holds for the finished requests; fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<LoggedRequest>> WaitUntilAsync(string what, Func<IReadOnlyList<LoggedRequest>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var finished = Finished();
            if (condition(finished))
            {
                return finished;
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"the load generator ended ({process.ExitCode}) before {what}: {await stderr}");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"no {what} within {timeout} ({finished.Count} requests finished)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// SIGTERM: the generator sends nothing new, lets the requests in flight finish, and writes its report. Not SIGINT:
    /// a shell without job control starts background commands with SIGINT ignored, and the runtime keeps it ignored,
    /// so a run started that way would go on to its --duration.
    /// </summary>
    public async Task<LoadRun> StopAsync()
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        return await CompleteAsync();
    }

    /// <summary>Waits for the generator to end by itself (its --requests or --duration) and reads its log and report.</summary>
    public async Task<LoadRun> CompleteAsync()
    {
        using (var limit = new CancellationTokenSource(ExitLimit))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"the load generator did not end within {ExitLimit}: {await stderr}");
            }
        }

        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        if (!File.Exists(report))
        {
            throw new InvalidOperationException($"the load generator wrote no report ({result.ExitCode}):\n{result.Error}\n{result.Output}");
        }

        return new LoadRun(result, Parse(await File.ReadAllTextAsync(log)),
            JsonSerializer.Deserialize<LoadReport>(await File.ReadAllTextAsync(report), LoadRun.Json)!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        folder.Delete(recursive: true);
    }

    private static List<LoggedRequest> Parse(string lines) =>
        [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<LoggedRequest>(line, LoadRun.Json)!)];
}
