using System.Runtime.InteropServices;

namespace Loyalty.LoadGen;

/// <summary>
/// Ctrl+C and SIGTERM end a run in steps, so the log and report still get written: the first stops new
/// requests and lets those in flight finish, the second abandons those in flight, a third terminates the
/// process as usual.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationTokenSource abort = new();
    private readonly TextWriter notices;
    private readonly PosixSignalRegistration[] registrations;
    private int received;

    public StopSignals(TextWriter notices)
    {
        this.notices = notices;
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public CancellationToken Stop => stop.Token;

    public CancellationToken Abort => abort.Token;

    public bool Stopped => stop.IsCancellationRequested;

    private void OnSignal(PosixSignalContext context)
    {
        switch (Interlocked.Increment(ref received))
        {
            case 1:
                context.Cancel = true;
                notices.WriteLine($"{context.Signal}: no new requests; waiting for those in flight (send it again to abandon them)");
                stop.Cancel();
                break;
            case 2:
                context.Cancel = true;
                notices.WriteLine($"{context.Signal}: abandoning the requests in flight");
                abort.Cancel();
                break;
            default:
                break;
        }
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        stop.Dispose();
        abort.Dispose();
    }
}
