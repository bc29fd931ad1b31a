using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Loyalty.Testing;

/// <summary>What a finished process said and how it ended.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public ProcessResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{what} failed ({ExitCode}):\n{Error}\n{Output}");

    /// <summary>The KEY=value lines of the output (what scripts/local-aws.sh env prints), as a dictionary.</summary>
    public Dictionary<string, string> Settings() =>
        Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    public override string ToString() => $"exit {ExitCode}\n{Error}\n{Output}";
}

/// <summary>
/// A program run to its end as a script or an operator runs it: no one at the keyboard (standard input closed), the
/// environment it is given on top of this process's (never this process's own changed), and bounded in time: past
/// its limit it is killed with its children and the run fails.
/// </summary>
public static class Processes
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    /// <param name="directory">Where it runs; the repository root unless given.</param>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        string? directory = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory ?? RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var limit = timeout ?? DefaultTimeout;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {limit}:\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>One of the project's scripts (or any bash script) with its arguments, as make runs it.</summary>
    public static Task<ProcessResult> BashAsync(
        string script,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        string? directory = null,
        CancellationToken cancellationToken = default) =>
        RunAsync("bash", [script, .. arguments], environment, timeout, directory, cancellationToken);

    /// <summary>A TCP port on the loopback interface that nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
