namespace Loyalty.LoadGen;

/// <summary>
/// Spreads requests evenly over time for <c>--rate</c>: request n may start (n - 1) / rate seconds after
/// the run began. Workers that fall behind catch up without a burst limit, as a steady client would.
/// </summary>
public sealed class Pacer(double perSecond, TimeProvider time)
{
    private readonly long start = time.GetTimestamp();

    /// <summary>False when <paramref name="stop"/> fired first: the request must not be sent.</summary>
    public async ValueTask<bool> WaitForTurnAsync(long seq, CancellationToken stop)
    {
        var wait = TimeSpan.FromSeconds((seq - 1) / perSecond) - time.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return !stop.IsCancellationRequested;
    }
}
