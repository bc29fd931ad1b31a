using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Spectre.Console;

namespace Loyalty.LoadGen;

/// <summary>One run end to end: setup, the workers with their log, then the report and the summary.</summary>
public static class LoadGenRun
{
    public const int Succeeded = 0;
    public const int SomeFailed = 1;
    public const int BadOptions = 2;

    // The report is read by people as well as tests; the log stays one record per line.
    private static readonly LoadGenJson Indented = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    public static async Task<int> ExecuteAsync(LoadGenSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var signals = new StopSignals(Console.Error);
        using var http = CreateClient(settings);

        // Opened before any request, so a path that cannot be written fails the run before it starts.
        FileStream? log = null;
        string? writing = null;
        try
        {
            if (settings.ReportPath is { } reportPath)
            {
                writing = reportPath;
                EnsureDirectory(reportPath);
            }

            if (settings.LogPath is { } logPath)
            {
                writing = logPath;
                log = OpenForWriting(logPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Cannot write {writing}: {e.Message}");
            return BadOptions;
        }

        await using (log)
        {
            IReadOnlyList<BankTargets> targets;
            try
            {
                targets = await CatalogueSetup.LoadAsync(http, settings, time, signals.Stop);
            }
            catch (SetupException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (signals.Stopped)
            {
                await Console.Error.WriteLineAsync("Stopped before the run began.");
                return SomeFailed;
            }

            var summary = await RunAsync(http, settings, targets, log, signals, time);
            if (settings.ReportPath is { } reportPath)
            {
                await File.WriteAllBytesAsync(reportPath, JsonSerializer.SerializeToUtf8Bytes(summary, Indented.Summary), CancellationToken.None);
            }

            SummaryTable.Write(AnsiConsole.Console, summary);
            return summary.Failed == 0 ? Succeeded : SomeFailed;
        }
    }

    private static async Task<Summary> RunAsync(
        HttpClient http, LoadGenSettings settings, IReadOnlyList<BankTargets> targets, FileStream? log, StopSignals signals, TimeProvider time)
    {
        var records = Channel.CreateUnbounded<RequestRecord>(new UnboundedChannelOptions { SingleReader = true });
        var sink = RecordSink.DrainAsync(records.Reader, log);
        var workload = new Workload(settings.Mix, settings.BaseTraceId, settings.Tokens, targets, time);
        var runner = new Runner(http, settings, workload, records.Writer, time);

        var started = time.GetTimestamp();
        var run = RunThenCompleteAsync(runner, records.Writer, signals);
        if (!settings.Quiet)
        {
            await ProgressView.ShowAsync(AnsiConsole.Console, run, runner, settings, time);
        }

        SummaryBuilder summary;
        try
        {
            await run;
        }
        finally
        {
            // Even when a worker failed: every record handed over is in the log before the file closes.
            summary = await sink;
        }

        return summary.Build(time.GetElapsedTime(started));
    }

    private static async Task RunThenCompleteAsync(Runner runner, ChannelWriter<RequestRecord> records, StopSignals signals)
    {
        try
        {
            await runner.RunAsync(signals.Stop, signals.Abort);
        }
        finally
        {
            // Also when a worker failed, so the sink's loop ends.
            records.TryComplete();
        }
    }

    private static HttpClient CreateClient(LoadGenSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            // Short-lived connections follow the load balancer's nodes as they change (an ALB scales its
            // nodes behind one DNS name) instead of pinning a worker to one node for the whole run.
            PooledConnectionLifetime = TimeSpan.FromSeconds(2),
            ConnectTimeout = settings.Timeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            // The traceparent we set must reach the API as is: no Activity of ours may replace it.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        };
        var endpoint = settings.Endpoint.AbsoluteUri;
        return new HttpClient(handler)
        {
            // A trailing slash, so relative paths keep any path prefix of the endpoint.
            BaseAddress = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/"),
            // Each request has its own timeout (--timeout); the client's would count from a different start.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private static FileStream OpenForWriting(string path)
    {
        EnsureDirectory(path);
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, useAsync: true);
    }

    private static void EnsureDirectory(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
