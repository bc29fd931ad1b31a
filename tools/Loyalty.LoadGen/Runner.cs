using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;

namespace Loyalty.LoadGen;

/// <summary>
/// The workers: each sends one request at a time until the request count or the duration is reached or
/// the run is stopped, and hands every outcome to the record channel. Nothing is retried: a failed request
/// is what the run is there to see.
/// </summary>
public sealed class Runner(HttpClient http, LoadGenSettings settings, Workload workload, ChannelWriter<RequestRecord> records, TimeProvider time)
{
    public const string ServedByHeader = "X-Served-By";
    public const string UpstreamHeader = "X-Upstream";

    private long issued;
    private long completed;
    private long failed;

    public long Completed => Interlocked.Read(ref completed);

    public long Failed => Interlocked.Read(ref failed);

    /// <param name="stop">No new requests after it fires; those in flight finish.</param>
    /// <param name="abort">Abandons the requests in flight (they are recorded as cancelled).</param>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        using var deadline = settings.Duration is { } duration ? new CancellationTokenSource(duration, time) : new CancellationTokenSource();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
        var pacer = settings.Rate is { } rate ? new Pacer(rate, time) : null;
        var workers = Enumerable.Range(0, settings.Concurrency)
            .Select(_ => Task.Run(() => WorkAsync(pacer, stopping.Token, abort), CancellationToken.None));
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(Pacer? pacer, CancellationToken stop, CancellationToken abort)
    {
        var limit = settings.Requests ?? long.MaxValue;
        while (!stop.IsCancellationRequested)
        {
            var seq = Interlocked.Increment(ref issued);
            if (seq > limit || (pacer is not null && !await pacer.WaitForTurnAsync(seq, stop)))
            {
                return;
            }

            var record = await SendAsync(workload.Plan(seq), abort);
            // The channel is unbounded: this never waits, and never drops a record.
            await records.WriteAsync(record, CancellationToken.None);
            if (!record.Succeeded)
            {
                Interlocked.Increment(ref failed);
            }

            Interlocked.Increment(ref completed);
        }
    }

    private async Task<RequestRecord> SendAsync(PlannedRequest plan, CancellationToken abort)
    {
        using var request = new HttpRequestMessage(plan.Method, plan.Path) { Content = plan.Body };
        request.Headers.TryAddWithoutValidation("traceparent", TraceIds.TraceParent(plan.TraceId));
        if (plan.Token is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort);
        var startedAt = time.GetUtcNow().UtcDateTime;
        var started = time.GetTimestamp();
        HttpResponseMessage? response = null;
        string? error;
        string? transactionId = null;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            // The whole body is part of the request's latency, and a connection can still fail while it arrives.
            var body = await response.Content.ReadAsByteArrayAsync(cancel.Token);
            error = ErrorKinds.ForStatus(response.StatusCode);
            if (plan.Call == ApiCall.Accrual && (int)response.StatusCode is 200 or 201)
            {
                transactionId = TransactionIdOf(body);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            error = ErrorKinds.Cancelled;
        }
        catch (OperationCanceledException)
        {
            // The request's own timeout, or the handler's connect timeout (the same length) a moment before it.
            error = ErrorKinds.Timeout;
        }
        catch (HttpRequestException e)
        {
            error = ErrorKinds.For(e);
        }
        catch (IOException e)
        {
            error = ErrorKinds.For(e);
        }

        var ms = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 3);
        using (response)
        {
            return new RequestRecord(
                plan.Seq,
                plan.TraceId,
                plan.Call.Name(),
                plan.Method.Method,
                request.RequestUri?.IsAbsoluteUri == true ? request.RequestUri.PathAndQuery : "/" + plan.Path,
                response is null ? 0 : (int)response.StatusCode,
                Header(response, ServedByHeader),
                Header(response, UpstreamHeader),
                startedAt,
                ms,
                error,
                plan.BankReference,
                transactionId);
        }
    }

    private static string? Header(HttpResponseMessage? response, string name) =>
        response is not null && response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>
    /// A 2xx accrual whose body is not a transaction is still a 2xx: the log shows it as one without an id
    /// rather than as a failure the load balancer did not cause.
    /// </summary>
    private static string? TransactionIdOf(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, LoadGenJson.Default.AccrualAnswer)?.TransactionId;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
