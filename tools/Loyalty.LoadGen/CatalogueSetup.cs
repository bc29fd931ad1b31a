using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Loyalty.LoadGen;

/// <summary>Why the run cannot start; <see cref="ExitCode"/> is 2 when the options are at fault, else 1.</summary>
public sealed class SetupException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Before the run: each token's bank catalogue (programme codes, amount limits, name fields), fetched once,
/// so programme, validate and accrual calls name programmes that bank offers. These fetches are not part of
/// the run: they carry sequence number 0 in their trace id and are not logged.
/// </summary>
public static class CatalogueSetup
{
    private const int Attempts = 3;
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <exception cref="SetupException">A catalogue could not be had, or offers nothing the mix can use.</exception>
    public static async Task<IReadOnlyList<BankTargets>> LoadAsync(
        HttpClient http, LoadGenSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Mix.Used.Any(ApiCalls.NeedsCatalogue))
        {
            return [.. settings.Tokens.Select(_ => BankTargets.Empty)];
        }

        var members = TestMembers.Load();
        var targets = new List<BankTargets>();
        for (var i = 0; i < settings.Tokens.Count; i++)
        {
            var catalogue = await FetchAsync(http, settings, i, time, cancellationToken);
            var bank = BankTargets.From(catalogue, members);
            var which = settings.Tokens.Count == 1 ? "the token's bank" : $"the bank of token {i + 1}";
            if (settings.Mix.Uses(ApiCall.Programme) && bank.ProgrammeCodes.Count == 0)
            {
                throw new SetupException($"The catalogue of {which} is empty, so the mix's programme calls have nothing to ask for.", 2);
            }

            if ((settings.Mix.Uses(ApiCall.Validate) || settings.Mix.Uses(ApiCall.Accrual)) && bank.Accruals.Count == 0)
            {
                throw new SetupException(
                    $"No programme in the catalogue of {which} ({string.Join(", ", bank.ProgrammeCodes)}) has known test members " +
                    $"(there are some for {string.Join(", ", members.Keys)}), so validate and accrual calls cannot be made; " +
                    "leave them out of --mix.", 2);
            }

            targets.Add(bank);
        }

        return targets;
    }

    // The one place anything is retried: a setup fetch that meets an instance being replaced should not
    // sink the run it prepares. The run's own requests are never retried.
    private static async Task<CatalogueResponse> FetchAsync(
        HttpClient http, LoadGenSettings settings, int tokenIndex, TimeProvider time, CancellationToken cancellationToken)
    {
        var traceId = TraceIds.For(settings.BaseTraceId, 0);
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "v1/programmes");
                request.Headers.TryAddWithoutValidation("traceparent", TraceIds.TraceParent(traceId));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Tokens[tokenIndex]);
                using var timeout = new CancellationTokenSource(settings.Timeout, time);
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                using var response = await http.SendAsync(request, cancel.Token);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new SetupException(
                        $"GET /v1/programmes answered {(int)response.StatusCode} for token {tokenIndex + 1}: the token is not valid here, or lacks the loyalty/programmes.read scope.", 2);
                }

                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsByteArrayAsync(cancel.Token);
                    return JsonSerializer.Deserialize(body, LoadGenJson.Default.CatalogueResponse)
                        ?? throw new SetupException("GET /v1/programmes answered null.", 1);
                }

                problem = ErrorKinds.ForStatus(response.StatusCode) ?? "no catalogue";
                if ((int)response.StatusCode < 500)
                {
                    throw new SetupException($"GET /v1/programmes answered {problem}.", 1);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = ErrorKinds.Timeout;
            }
            catch (HttpRequestException e)
            {
                problem = ErrorKinds.For(e);
            }
            catch (JsonException e)
            {
                throw new SetupException($"GET /v1/programmes answered a body that is not a catalogue: {e.Message}", 1);
            }

            if (attempt == Attempts)
            {
                throw new SetupException($"GET /v1/programmes failed {Attempts} times at {settings.Endpoint} (last: {problem}).", 1);
            }

            await Task.Delay(Pause, time, cancellationToken);
        }
    }
}
