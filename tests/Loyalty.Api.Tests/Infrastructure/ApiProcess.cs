using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>
/// The built API as a real OS process on a free loopback port, for what only a process shows: signals,
/// shutdown, exit codes. Its stdout lines are collected so tests can wait for what it logs.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private ApiProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output => string.Join('\n', lines);

    public static async Task<ApiProcess> StartAsync(string connectionString, string keyFile, IReadOnlyDictionary<string, string> settings)
    {
        var port = Processes.FreePort();
        var dll = RepositoryRoot.ApiDll;
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["Database__ConnectionString"] = connectionString;
        start.Environment["Auth__Issuer"] = "http://127.0.0.1/loyalty-test-issuer";
        start.Environment["Auth__DevelopmentKeyFile"] = keyFile;
        start.Environment[$"BankClients__Clients__{ApiFixture.HarbClient}"] = "HARB";
        start.Environment[$"BankClients__Clients__{ApiFixture.OrchClient}"] = "ORCH";
        start.Environment[$"BankClients__Clients__{ApiFixture.NvalClient}"] = "NVAL";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var api = new ApiProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"),
            new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = api.Address };
        await api.WaitUntilAsync(async () =>
        {
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the API to be ready");
        return api;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the process output after 30 s.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Waited 30 s for {what}. Output:\n{Output}");
            }

            await Task.Delay(PollInterval); // the interval of a bounded poll, not a wait for an outcome
        }
    }

    public Task WaitForLogAsync(string fragment) =>
        WaitUntilAsync(() => Task.FromResult(lines.Any(line => line.Contains(fragment, StringComparison.Ordinal))), $"log '{fragment}'");

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
