using System.CommandLine;
using System.CommandLine.Parsing;

namespace Loyalty.LoadGen;

/// <summary>The command line: options, their checks, and the exit codes (0 all 2xx, 1 some failed, 2 bad options).</summary>
public static class LoadGenCommand
{
    public const string TokenVariable = "LOYALTY_TOKEN";
    public const long DefaultRequests = 1000;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message);
            }

            await Console.Error.WriteLineAsync("See --help for the options.");
            return LoadGenRun.BadOptions;
        }

        // StopSignals handles Ctrl+C and SIGTERM itself: System.CommandLine's handling would end the
        // process after its timeout, possibly before the log and report are written.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    public static RootCommand Create()
    {
        var endpoint = new Option<Uri>("--endpoint")
        {
            Description = "Base URL of the load balancer (or one API), e.g. http://127.0.0.1:5080.",
            HelpName = "url",
            Required = true,
            CustomParser = ParseEndpoint,
        };
        var baseTraceId = new Option<string>("--base-trace-id")
        {
            Description = "16 hex digits every trace id starts with; request n's trace id is this followed by n as 16 hex digits. [default: random]",
            HelpName = "hex",
        };
        var requests = new Option<long?>("--requests")
        {
            Description = $"Requests in all. [default: {DefaultRequests}, or no limit when only --duration is given]",
            HelpName = "n",
        };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "Stop after this long, e.g. 30s, 5m, 1m30s; with --requests, whichever comes first.",
            HelpName = "time",
            CustomParser = result => ParseDuration(result, "--duration"),
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Workers, each with one request in flight.",
            HelpName = "n",
            DefaultValueFactory = _ => 8,
        };
        var rate = new Option<double?>("--rate")
        {
            Description = "At most this many requests per second in all, evenly spaced. [default: as fast as the workers go]",
            HelpName = "per-second",
        };
        var mix = new Option<Mix>("--mix")
        {
            Description = "Weights of the calls: catalogue (GET /v1/programmes), programme (GET /v1/programmes/{code}), " +
                "validate (POST .../member-validations), accrual (POST /v1/accruals), instance (GET /instance, anonymous).",
            HelpName = "call=weight,...",
            DefaultValueFactory = _ => Mix.Default,
            CustomParser = ParseMix,
        };
        var tokens = new Option<string[]>("--token")
        {
            Description = $"Bearer token; repeat it to use several in turn (tokens of different banks work). Only the instance call works without one. [default: ${TokenVariable}]",
            HelpName = "token",
        };
        var log = new Option<string>("--log")
        {
            Description = "Write one JSON line per request here (seq, traceId, call, method, path, status, instance, upstream, startedAt, ms, error, bankReference, transactionId).",
            HelpName = "path",
        };
        var report = new Option<string>("--report")
        {
            Description = "Write the summary here as JSON.",
            HelpName = "path",
        };
        var quiet = new Option<bool>("--quiet")
        {
            Description = "No progress bar (for CI logs); the summary is still printed.",
        };
        // No DefaultValueFactory: help would show the default as 00:00:10.
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = $"Give up on a request after this long; it counts as failed with error \"timeout\". [default: {Durations.Format(DefaultTimeout)}]",
            HelpName = "time",
            CustomParser = result => ParseDuration(result, "--timeout"),
        };

        baseTraceId.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !TraceIds.TryParseBase(text, out _))
            {
                result.AddError($"--base-trace-id must be {TraceIds.BaseLength} hex digits, not all zero; '{text}' is not.");
            }
        });
        requests.Validators.Add(result => AtLeast(result, result.GetValueOrDefault<long?>(), 1, "--requests"));
        concurrency.Validators.Add(result => AtLeast(result, result.GetValueOrDefault<int>(), 1, "--concurrency"));
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } value && !(value > 0 && double.IsFinite(value)))
            {
                result.AddError($"--rate must be above 0, not {value}.");
            }
        });

        var root = new RootCommand(
            "Drives the Loyalty API through its load balancer and records which instance served each request. " +
            "Exit code: 0 when every request got a 2xx, 1 when some did not, 2 for bad options.")
        {
            endpoint, baseTraceId, requests, duration, concurrency, rate, mix, tokens, log, report, quiet, timeout,
        };
        root.SetAction(async (parse, _) =>
        {
            var given = parse.GetValue(tokens) is { Length: > 0 } fromOptions
                ? fromOptions
                : (Environment.GetEnvironmentVariable(TokenVariable) ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            // --mix has a default, so this is never null; the parser has refused a bad one already.
            var mixValue = parse.GetValue(mix) ?? Mix.Default;
            if (mixValue.Used.Where(ApiCalls.NeedsToken).ToList() is { Count: > 0 } needToken && given.Length == 0)
            {
                await Console.Error.WriteLineAsync(
                    $"The mix has calls that need a bank token ({string.Join(", ", needToken.Select(c => c.Name()))}): " +
                    $"pass --token (or set {TokenVariable}), or use --mix instance.");
                return LoadGenRun.BadOptions;
            }

            if (given.Any(string.IsNullOrWhiteSpace))
            {
                await Console.Error.WriteLineAsync("--token must not be empty.");
                return LoadGenRun.BadOptions;
            }

            var durationValue = parse.GetValue(duration);
            var settings = new LoadGenSettings(
                parse.GetRequiredValue(endpoint),
                TraceIds.TryParseBase(parse.GetValue(baseTraceId), out var baseId) ? baseId : TraceIds.NewBase(),
                parse.GetValue(requests) ?? (durationValue is null ? DefaultRequests : null),
                durationValue,
                parse.GetValue(concurrency),
                parse.GetValue(rate),
                mixValue,
                [.. given.Select(t => t.Trim())],
                parse.GetValue(log),
                parse.GetValue(report),
                parse.GetValue(quiet),
                parse.GetValue(timeout) ?? DefaultTimeout);
            return await LoadGenRun.ExecuteAsync(settings, TimeProvider.System);
        });
        return root;
    }

    private static Uri? ParseEndpoint(ArgumentResult result)
    {
        var text = result.Tokens is [var token] ? token.Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Query.Length == 0 && uri.Fragment.Length == 0)
        {
            return uri;
        }

        result.AddError($"--endpoint must be an http or https URL such as http://127.0.0.1:5080, not '{text}'.");
        return null;
    }

    private static TimeSpan? ParseDuration(ArgumentResult result, string option)
    {
        var text = result.Tokens is [var token] ? token.Value : "";
        if (Durations.TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        result.AddError($"{option} must be a positive duration such as 500ms, 30s, 5m or 1m30s, not '{text}'.");
        return null;
    }

    private static Mix? ParseMix(ArgumentResult result)
    {
        var text = result.Tokens is [var token] ? token.Value : "";
        if (Mix.TryParse(text, out var mix, out var error))
        {
            return mix;
        }

        result.AddError($"--mix '{text}': {error}.");
        return null;
    }

    private static void AtLeast<T>(OptionResult result, T? value, T minimum, string option)
        where T : struct, IComparable<T>
    {
        if (value is { } given && given.CompareTo(minimum) < 0)
        {
            result.AddError($"{option} must be at least {minimum}, not {given}.");
        }
    }
}
