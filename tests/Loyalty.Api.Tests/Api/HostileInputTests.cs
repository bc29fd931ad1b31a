using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace Loyalty.Api.Tests.Api;

/// <summary>
/// Thousands of generated malformed and hostile requests against every route: none may cost a 5xx, every error the
/// app writes must be an RFC 9457 problem, and none may leave a row behind.
/// </summary>
/// <remarks>
/// Kestrel refuses some requests before any middleware runs (a NUL in the path, oversized headers, an overlong
/// request line): those answers cannot be problems. They are told apart by the missing X-Served-By header, which the
/// app's first own middleware puts on every response it handles and which Kestrel drops when it writes its own
/// error response. Only generators that aim below the app may be answered that way; anywhere else a response
/// without the header is a failure, because it means the app gave up and let Kestrel answer.
/// </remarks>
[Collection(ApiSuite.Name)]
public sealed class HostileInputTests(ApiFixture api, ITestOutputHelper output)
{
    private const int Seed = 9457;
    private const int RandomCases = 2_200;
    private const int Concurrency = 8;
    private const string ReferencePrefix = "HOSTILE";
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    private static readonly string[] Methods = ["OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "HEAD", "GET", "POST", "PROPFIND", "FOO"];

    private static readonly Route[] Routes =
    [
        new("GET", "/v1/programmes", Scopes.ProgrammesRead, Body: BodyKind.None),
        new("GET", "/v1/programmes/{0}", Scopes.ProgrammesRead, Body: BodyKind.None, Segment: "CORV"),
        new("POST", "/v1/programmes/{0}/member-validations", Scopes.MembersValidate, Body: BodyKind.Member, Segment: "CORV"),
        new("POST", "/v1/accruals", Scopes.AccrualsWrite, Body: BodyKind.Accrual),
        new("GET", "/v1/transactions/{0}", Scopes.TransactionsRead, Body: BodyKind.None, Segment: "01JPAM9S346Q3D25VT4F5V37E3"),
        new("GET", "/v1/transactions", Scopes.TransactionsRead, Body: BodyKind.None, Query: ["bankReference"]),
        new("POST", "/v1/transactions/{0}/cancel", Scopes.AccrualsWrite, Body: BodyKind.None, Segment: "01JPAM9S346Q3D25VT4F5V37E3"),
        new("GET", "/v1/events", Scopes.TransactionsRead, Body: BodyKind.None, Query: ["after", "limit"]),
        new("GET", "/instance", Scope: null, Body: BodyKind.None, Query: ["trace_id"]),
        new("GET", "/health/live", Scope: null, Body: BodyKind.None),
        new("GET", "/health/ready", Scope: null, Body: BodyKind.None),
        new("GET", "/openapi/v1.json", Scope: null, Body: BodyKind.None),
        new("GET", "/docs", Scope: null, Body: BodyKind.None),
    ];

    private static readonly string[] Hostile =
    [
        "' OR 1=1 --", "'; DROP TABLE transactions; --", ";DROP TABLE events", "\" OR \"\"=\"", "1; SELECT SLEEP(5)",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${jndi:ldap://x/a}",
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%s%s%s%n", "\u0000", "\u202Eevil", "😀", "é", "\uFFFF",
    ];

    private static readonly string[] PathTricks =
    [
        "../", "..%2f", "%2e%2e%2f", "%2e%2e/", "..%5c", "%252e%252e%252f", "....//", "./", "%2e", "..;/", "//", "%2F",
        "../../../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%c0%af", "..%00/", "~", ";", "%3B",
    ];

    private static readonly string[] BadEncodings =
    [
        "%C0%AF", "%C0%80", "%E0%80%AF", "%ED%A0%80", "%ED%BF%BF", "%F4%90%80%80", "%FF", "%FE%FF", "%C3", "%E2%82",
        "%", "%%", "%G1", "%1", "%zz", "%u0041", "%%32%65", "%C3%28", "%80",
    ];

    private static readonly string[] Accepts =
    [
        "text/html", "text/plain", "application/xml", "image/png", "application/json;q=0", "*/*;q=0", "garbage;;;=",
        "application/problem+xml", "text/*", "*/*", "application/json", "application/*", ",,,", "a/b/c",
    ];

    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/xml", "text/xml", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded",
        "application/octet-stream", "application/jsonp", "application/json-patch", "text/json", "application/", "*/*",
        "garbage", "application/json; charset=utf-7", "application/json; charset=bogus", "application/json; charset=\"",
        "application/xml+json", "application/problem+json", "application/json; boundary=\"x\"",
    ];

    [Fact]
    public async Task GeneratedHostileRequests_AreProblemsNeverServerErrors_AndWriteNothing()
    {
        output.WriteLine($"seed {Seed}");
        var tokens = Tokens.Create(api);
        var random = new Random(Seed);
        var cases = EveryMethodOnEveryRoute(random, tokens).ToList();
        var generators = Generators();
        var total = cases.Count + RandomCases;
        while (cases.Count < total)
        {
            var generator = generators[random.Next(generators.Length)];
            cases.Add(Decorate(random, generator(random, tokens)));
        }

        Assert.True(cases.Count >= 2_000, $"only {cases.Count} cases");
        var before = await CountRowsAsync();
        using var http = api.Client(clientId: null);
        var origin = http.BaseAddress!.GetLeftPart(UriPartial.Authority);
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<string, int>();
        using var budget = new CancellationTokenSource(Budget);
        var stopwatch = Stopwatch.StartNew();

        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, cases.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = budget.Token },
                async (index, cancellationToken) =>
                {
                    var hostile = cases[index];
                    var verdict = await SendAndJudgeAsync(http, origin, hostile, cancellationToken);
                    statuses.AddOrUpdate(verdict.Bucket, 1, (_, n) => n + 1);
                    if (verdict.Failure is { } failure)
                    {
                        failures.Enqueue($"seed {Seed}, case {index}: {hostile.Description}\n  {hostile.Method} {Excerpt(hostile.Target)}\n  {failure}");
                    }
                });
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            Assert.Fail($"the {cases.Count} requests took longer than {Budget} (seed {Seed}); {statuses.Values.Sum()} were answered, "
                + $"{failures.Count} wrongly:\n{string.Join("\n", failures.Take(12))}");
        }

        output.WriteLine($"{cases.Count} requests in {stopwatch.Elapsed.TotalSeconds:F1} s");
        foreach (var (bucket, count) in statuses.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {bucket}: {count}");
        }

        var after = await CountRowsAsync();
        Assert.True(failures.IsEmpty,
            $"{failures.Count} of {cases.Count} hostile requests were answered wrongly (seed {Seed}); the first ones:\n"
            + string.Join("\n", failures.Take(12))
            + "\nthe app's last warnings and errors:\n"
            + string.Join("\n", api.Factory.Warnings.TakeLast(12).Select(r => $"  {r.Level} {r.Id} {r.Message} {r.Exception}")));
        Assert.Equal(0, after.Hostile);
        Assert.Equal(before, after);
    }

    // The generated suite's first finds, one request each, so a regression names itself.
    [Fact]
    public async Task Accept_WithoutJson_StillGetsProblems()
    {
        using var anonymous = api.Client(clientId: null);
        using var unauthorised = new HttpRequestMessage(HttpMethod.Get, "/v1/programmes");
        unauthorised.Headers.TryAddWithoutValidation("Accept", "text/html");
        using var response = await anonymous.SendAsync(unauthorised);
        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);

        using var http = api.Client(ApiFixture.HarbClient);
        using var badQuery = new HttpRequestMessage(HttpMethod.Get, "/v1/events?limit=abc&limit=2");
        badQuery.Headers.TryAddWithoutValidation("Accept", "application/xml");
        await (await http.SendAsync(badQuery)).ProblemAsync(HttpStatusCode.BadRequest, Problems.MalformedRequestType);

        using var options = new HttpRequestMessage(HttpMethod.Options, "/v1/programmes");
        options.Headers.TryAddWithoutValidation("Accept", "text/plain");
        await (await http.SendAsync(options)).ProblemAsync(HttpStatusCode.MethodNotAllowed, Problems.MethodNotAllowedType);

        using var text = new HttpRequestMessage(HttpMethod.Post, "/v1/accruals") { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
        text.Headers.TryAddWithoutValidation("Accept", "image/png");
        await (await http.SendAsync(text)).ProblemAsync(HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaTypeType);
    }

    [Fact]
    public async Task TokenIssuerWithALineBreak_Is401WithABareChallenge()
    {
        var issuer = api.Factory.Services.GetRequiredService<DevelopmentIssuer>();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "evil\r\nX-Injected: é\"",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["client_id"] = ApiFixture.HarbClient, ["token_use"] = "access" },
            SigningCredentials = new SigningCredentials(issuer.SigningKey, SecurityAlgorithms.HmacSha256),
        });
        using var http = api.Client(clientId: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.GetAsync("/v1/programmes");

        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
        Assert.Equal("Bearer error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Theory]
    [InlineData("application/json; charset=utf-7")]
    [InlineData("application/json; charset=no-such-charset")]
    [InlineData("application/json; charset=\"utf-16\"")]
    public async Task JsonInAnotherCharset_Is415(string contentType)
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(AccrualBodies.Corv(ReferencePrefix + "-" + Guid.NewGuid().ToString("N")[..8])));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await http.PostAsync("/v1/accruals", content);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaTypeType);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413Problem()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var body = Encoding.UTF8.GetBytes(AccrualBodies.Corv(ReferencePrefix + "-chunked", surname: new string('a', 20_000)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/accruals") { Content = new StreamContent(new MemoryStream(body)) };
        request.Content.Headers.ContentType = Http.Json;
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, Problems.PayloadTooLargeType);
        Assert.True(response.Headers.Contains(ApiSetup.ServedByHeader));
    }

    private async Task<(long Transactions, long Events, long Hostile)> CountRowsAsync()
    {
        await using var db = await api.OpenDatabaseAsync();
        return (
            await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM transactions"),
            await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events"),
            await db.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM transactions WHERE bank_reference LIKE @Prefix", new { Prefix = ReferencePrefix + "%" }));
    }

    private static async Task<Verdict> SendAndJudgeAsync(HttpClient http, string origin, HostileCase hostile, CancellationToken cancellationToken)
    {
        using var request = hostile.Build(new Uri(origin + hostile.Target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (hostile.KestrelMayRefuse)
        {
            // Kestrel may close the connection on a request it refuses before the client finished sending it.
            return new Verdict($"refused by Kestrel ({e.HttpRequestError})", null);
        }
        catch (HttpRequestException e)
        {
            return new Verdict("connection failed", $"the request failed: {e.HttpRequestError}: {e.Message}");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var servedByApp = response.Headers.Contains(ApiSetup.ServedByHeader);
            var bucket = $"{status}{(servedByApp ? "" : " (Kestrel)")}";
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var seen = $"got {status} {mediaType ?? "(no content type)"}, served by app: {servedByApp}, body: {Excerpt(body)}";
            if (status >= 500)
            {
                return new Verdict(bucket, $"a server error: {seen}");
            }

            if (!servedByApp)
            {
                return hostile.KestrelMayRefuse && status >= 400 && body.Length == 0
                    ? new Verdict(bucket, null)
                    : new Verdict(bucket, $"answered without the app (no {ApiSetup.ServedByHeader}): {seen}");
            }

            if (hostile.Expected is { } expected && status != expected)
            {
                return new Verdict(bucket, $"expected {expected}: {seen}");
            }

            if (status == 401 && !response.Headers.WwwAuthenticate.All(challenge => challenge.Scheme == "Bearer" && !$"{challenge}".Contains("error_description", StringComparison.Ordinal))
                || status == 401 && response.Headers.WwwAuthenticate.Count == 0)
            {
                return new Verdict(bucket, $"a 401 without a bare Bearer challenge ({response.Headers.WwwAuthenticate}): {seen}");
            }

            if (status < 400)
            {
                return new Verdict(bucket, null);
            }

            if (mediaType != "application/problem+json")
            {
                return new Verdict(bucket, $"an error that is not application/problem+json: {seen}");
            }

            if (request.Method == HttpMethod.Head)
            {
                return new Verdict(bucket, null);
            }

            return new Verdict(bucket, ProblemFailure(body, status) is { } wrong ? $"{wrong}: {seen}" : null);
        }
    }

    private static string? ProblemFailure(string body, int status)
    {
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return "the problem is not JSON";
        }

        if (problem.ValueKind != JsonValueKind.Object
            || !problem.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !problem.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String)
        {
            return "the problem lacks type or title";
        }

        if (!type.GetString()!.StartsWith(Problems.BaseUri, StringComparison.Ordinal))
        {
            return "the problem's type is not one of ours";
        }

        if (!problem.TryGetProperty("status", out var given) || given.ValueKind != JsonValueKind.Number || given.GetInt32() != status)
        {
            return "the problem's status differs from the response's";
        }

        return body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal)
            ? "the problem leaks exception text"
            : null;
    }

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";

    // The deterministic part: every method on every route, without a token, so the 405s, 404s and 401s all show.
    private static IEnumerable<HostileCase> EveryMethodOnEveryRoute(Random random, Tokens tokens)
    {
        foreach (var route in Routes)
        {
            foreach (var method in Methods)
            {
                var authorization = random.Next(2) == 0 ? null : tokens.Valid;
                yield return new HostileCase($"{method} on {route.Template}", method, route.Path(), request =>
                {
                    if (authorization is not null)
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", authorization);
                    }
                }, Expected: MethodNotAllowed(route, method, authorised: authorization is not null));
            }
        }
    }

    private delegate HostileCase Generator(Random random, Tokens tokens);

    private static Generator[] Generators() =>
    [
        BrokenJson, BodyWhereNoneIsRead, DeeplyNestedJson, WrongTypes, OverflowNumbers, HugeBody, HugeHeader, BadToken, WrongScope,
        RepeatedQuery, ControlBytes, BadPercentEncoding, PathTraversal, HostileText, WrongContentType, UnknownMethod,
        VeryLongValues, HostileHeaders,
    ];

    private static HostileCase BrokenJson(Random random, Tokens tokens)
    {
        string[] bodies =
        [
            "", "{", "}", "{\"bankReference\":", "{\"a\":1,}", "[1,2", "\"unterminated", "{'single':1}", "{\"a\":1}{\"b\":2}",
            "null", "[]", "1", "true", "/* comment */{}", "{\"amount\":NaN}", "{\"amount\":Infinity}", "{\"a\":1} trailing",
            "{\"bankReference\":\"A\",\"bankReference\":\"B\"}", "{\"amount\":0x10}", "{\"a\":\"\\x41\"}", "{\"a\":tru}",
            "{\"a\":\"" + "\t" + "\"}", "{\"a\":\"\u0001\"}", "\u00ff\u00fe{", "{\"memberId\":1,", "{,}", "{\"a\" 1}",
        ];
        string[] odd = ["{\"unknown\":1}", "{\"surname\":\"\\u0000\"}", "\uFEFF{}", "{}", "{\"memberId\":\"\\uDFFF\\uD800\"}"];
        var route = RouteWithBody(random);
        var broken = random.Next(5) != 0;
        var body = broken ? Pick(random, bodies) : Pick(random, odd);
        return Json(route, $"{(broken ? "broken" : "odd")} JSON {Show(body)}", tokens.Valid, Encoding.UTF8.GetBytes(body), expected: broken ? 400 : null);
    }

    private static HostileCase BodyWhereNoneIsRead(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes.Where(r => r.Body == BodyKind.None).ToArray());
        var body = Pick(random, ["{", "[[[[", "' OR 1=1 --", "\u0000\u0001", new string('{', 10_000)]);
        var content = Pick(random, ["application/json", "text/plain", "application/x-www-form-urlencoded"]);
        return new HostileCase($"{content} body {Show(body)} on {route.Method} {route.Template}", route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Valid);
            request.Content = new StringContent(body, Encoding.UTF8, content);
        });
    }

    private static HostileCase DeeplyNestedJson(Random random, Tokens tokens)
    {
        var depth = Pick<int>(random, [65, 256, 1_000, 10_000]);
        var body = random.Next(4) switch
        {
            0 => new string('[', depth) + new string(']', depth),
            1 => new string('[', depth),
            2 => "{\"bankReference\":" + new string('[', depth) + new string(']', depth) + "}",
            _ => string.Concat(Enumerable.Repeat("{\"a\":", Math.Min(depth, 3_000))) + "1" + new string('}', Math.Min(depth, 3_000)),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        // At 10,000 levels a closed document is past the body limit, which then answers first.
        return Json(RouteWithBody(random), $"JSON nested {depth} deep, {bytes.Length} bytes", tokens.Valid, bytes,
            expected: bytes.Length > 16 * 1024 ? 413 : 400);
    }

    private static HostileCase WrongTypes(Random random, Tokens tokens)
    {
        var route = RouteWithBody(random);
        var field = Pick<string>(random, route.Body == BodyKind.Accrual
            ? ["bankReference", "programmeCode", "memberId", "givenName", "surname", "amount"]
            : ["memberId", "givenName", "surname"]);
        var value = Pick(random, ["12", "true", "null", "[]", "{}", "[\"a\"]", "{\"x\":1}", "\"12\"", "1.5", "-0", "\"\""]);
        var body = BodyWith(route, field, value, random);
        return Json(route, $"{field} = {value}", tokens.Valid, Encoding.UTF8.GetBytes(body));
    }

    private static HostileCase OverflowNumbers(Random random, Tokens tokens)
    {
        var route = RouteWithBody(random);
        var value = Pick(random,
        [
            "1e400", "-1e400", "99999999999999999999", "-99999999999999999999", "9223372036854775808", "1E+308", "4.9e-324",
            "1.0000000000000000000000001", "0.0", "-1", "2147483648", "1e2", "00012", "+1", ".5", "1.",
        ]);
        var body = BodyWith(route, route.Body == BodyKind.Accrual ? "amount" : "memberId", value, random);
        return Json(route, $"number {value}", tokens.Valid, Encoding.UTF8.GetBytes(body));
    }

    private static HostileCase HugeBody(Random random, Tokens tokens)
    {
        var route = RouteWithBody(random);
        var size = random.Next(16 * 1024 + 1, 96 * 1024);
        var body = BodyWith(route, "surname", "\"" + new string('a', size) + "\"", random);
        var chunked = random.Next(2) == 0;
        return new HostileCase($"{size} byte body{(chunked ? ", chunked" : "")}", route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Valid);
            var bytes = Encoding.UTF8.GetBytes(body);
            request.Content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }
        }, Expected: 413);
    }

    private static HostileCase HugeHeader(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var size = random.Next(16 * 1024 + 1, 48 * 1024);
        var name = Pick(random, ["X-Padding", "Cookie", "Authorization", "Accept", "If-None-Match"]);
        var value = name == "Authorization" ? "Bearer " + new string('A', size) : new string('x', size);
        return new HostileCase($"{size} byte {name} header", route.Method, route.Path(), request =>
        {
            request.Headers.TryAddWithoutValidation(name, value);
            AddBody(route, request, "{}");
        }, KestrelMayRefuse: true);
    }

    private static HostileCase BadToken(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes.Where(r => r.Scope is not null).ToArray());
        var (description, header) = Pick(random, tokens.Bad);
        return new HostileCase($"token: {description}", route.Method, route.Path(), request =>
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
            AddBody(route, request, "{}");
        }, Expected: 401);
    }

    private static HostileCase WrongScope(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes.Where(r => r.Scope is not null).ToArray());
        var stray = random.Next(4) == 0;
        var token = stray ? tokens.Stray : tokens.WithoutScope(route.Scope!);
        return new HostileCase(stray ? "client of no bank" : $"token without {route.Scope}", route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            AddBody(route, request, "{}");
        }, Expected: 403);
    }

    private static HostileCase RepeatedQuery(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var name = route.Query.Length > 0 ? Pick(random, route.Query) : Pick(random, ["bankReference", "after", "limit", "trace_id"]);
        var values = Enumerable.Range(0, random.Next(4) == 0 ? 1_000 : random.Next(2, 6)).Select(_ => Pick(random, ["1", "2", "abc", "", "HOSTILE-1", "-5", "500"]));
        var query = string.Join('&', values.Select(value => $"{name}={value}"));
        // Hundreds of repeats, but within Kestrel's 8 KiB request line, so the app has to deal with them.
        query = query.Length <= 6_000 ? query : query[..query.LastIndexOf('&', 6_000)];
        return Authorised(random, tokens, route, $"repeated {name}", route.Path() + "?" + query);
    }

    private static HostileCase ControlBytes(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var control = "%" + Pick(random, [.. Enumerable.Range(0, 0x20), 0x7F]).ToString("X2", CultureInfo.InvariantCulture);
        var inPath = random.Next(2) == 0;
        var target = inPath ? WithSegment(route, "A" + control + "B") : WithQuery(route, random, "A" + control + "B");
        return Authorised(random, tokens, route, $"control byte {control} in the {(inPath ? "path" : "query")}", target) with
        {
            // Kestrel refuses a decoded NUL in the path; every other control byte, and all of them in the query, reach the app.
            KestrelMayRefuse = inPath && control == "%00",
        };
    }

    private static HostileCase BadPercentEncoding(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var encoding = Pick(random, BadEncodings);
        var inPath = random.Next(2) == 0;
        var target = inPath ? WithSegment(route, "A" + encoding) : WithQuery(route, random, "A" + encoding);
        return Authorised(random, tokens, route, $"bad encoding {encoding} in the {(inPath ? "path" : "query")}", target);
    }

    private static HostileCase PathTraversal(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var trick = Pick(random, PathTricks);
        var target = random.Next(2) == 0 ? WithSegment(route, trick + "x") : route.Path() + "/" + trick;
        return Authorised(random, tokens, route, $"path trick {trick}", target) with { KestrelMayRefuse = trick.Contains("%00", StringComparison.Ordinal) };
    }

    private static HostileCase HostileText(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var text = Pick(random, Hostile);
        switch (random.Next(3))
        {
            case 0 when route.Body != BodyKind.None:
                var field = Pick<string>(random, route.Body == BodyKind.Accrual
                    ? ["bankReference", "programmeCode", "memberId", "givenName", "surname"]
                    : ["memberId", "givenName", "surname"]);
                var body = BodyWith(route, field, JsonSerializer.Serialize(text), random);
                return Json(route, $"{Show(text)} in {field}", tokens.Valid, Encoding.UTF8.GetBytes(body));
            case 1:
                return Authorised(random, tokens, route, $"{Show(text)} in the path", WithSegment(route, Uri.EscapeDataString(text)))
                    with { KestrelMayRefuse = text.Contains('\0', StringComparison.Ordinal) };
            default:
                return Authorised(random, tokens, route, $"{Show(text)} in the query", WithQuery(route, random, Uri.EscapeDataString(text)));
        }
    }

    private static HostileCase WrongContentType(Random random, Tokens tokens)
    {
        var route = RouteWithBody(random);
        var contentType = random.Next(8) == 0 ? null : Pick(random, WrongContentTypes);
        var body = BodyWith(route, "amount", "-1", random);
        return new HostileCase($"content type {contentType ?? "(none)"}", route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Valid);
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        });
    }

    private static HostileCase UnknownMethod(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var method = Pick(random, Methods.Where(m => m != route.Method).ToArray());
        var authorise = random.Next(4) != 0;
        var unknown = Authorised(random, tokens, route, $"{method} on {route.Template}", route.Path(), authorise) with
        {
            Method = method,
            Expected = MethodNotAllowed(route, method, authorise),
        };
        if (method != "OPTIONS" || random.Next(2) == 0)
        {
            return unknown;
        }

        // A CORS preflight: the routing answers those differently from a plain OPTIONS.
        var configure = unknown.Configure;
        return unknown with
        {
            Description = unknown.Description + ", CORS preflight",
            Configure = request =>
            {
                configure(request);
                request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
                request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", route.Method);
                request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "authorization, content-type");
            },
        };
    }

    private static HostileCase VeryLongValues(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var length = Pick<int>(random, [27, 65, 256, 1_024, 4_000, 7_000, 12_000]);
        var value = new string(Pick<char>(random, ['A', '0', 'z', '-']), length);
        if (route.Body != BodyKind.None && random.Next(2) == 0)
        {
            var field = route.Body == BodyKind.Accrual ? "bankReference" : "memberId";
            var body = BodyWith(route, field, "\"" + ReferencePrefix + value + "\"", random);
            return Json(route, $"{length} character {field}", tokens.Valid, Encoding.UTF8.GetBytes(body));
        }

        var target = route.Segment is not null || random.Next(2) == 0 ? WithSegment(route, value) : WithQuery(route, random, value);
        // Past Kestrel's 8 KiB request line the server answers 414 itself.
        return Authorised(random, tokens, route, $"{length} character value", target) with { KestrelMayRefuse = length > 7_000 };
    }

    private static HostileCase HostileHeaders(Random random, Tokens tokens)
    {
        var route = Pick(random, Routes);
        var (name, value) = Pick(random,
        [
            ("If-None-Match", "\"unterminated"), ("If-None-Match", "W/\"\",,,,*"), ("If-None-Match", "*"), ("If-None-Match", new string('"', 500)),
            ("Content-Encoding", "gzip"), ("Content-Encoding", "br, deflate, x"), ("X-Forwarded-For", "' OR 1=1 --"),
            ("X-Forwarded-Proto", "javascript"), ("Range", "bytes=0-1,-5,9999999999999999999-"), ("Accept-Charset", "utf-7"),
            ("Accept-Encoding", "gzip;q=NaN"), ("Origin", "null"), ("Access-Control-Request-Method", "DELETE"), ("Expect", "100-continue"),
            ("Host", "evil.example"), ("Host", "127.0.0.1:0"), ("X-HTTP-Method-Override", "DELETE"), ("Cookie", "a=<script>"),
            ("Accept-Language", "xx-;;;q=2"), ("Traceparent", "00-zzzz-zz-01"), ("Content-Language", "%E2%98%83"),
        ]);
        var body = BodyWith(route, "amount", "-1", random);
        return new HostileCase($"{name}: {Show(value)}", route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Valid);
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }

            AddBody(route, request, body);
        });
    }

    // Any case may also carry a hostile Accept header: an error must be a problem whatever the client claims to want.
    private static HostileCase Decorate(Random random, HostileCase hostile)
    {
        if (random.Next(4) != 0)
        {
            return hostile;
        }

        var accept = Pick(random, Accepts);
        var configure = hostile.Configure;
        return hostile with
        {
            Description = $"{hostile.Description}, Accept: {accept}",
            Configure = request =>
            {
                configure(request);
                request.Headers.Accept.Clear();
                request.Headers.TryAddWithoutValidation("Accept", accept);
            },
        };
    }

    // A wrong method on a /v1 route matches no endpoint, so the fallback policy asks an anonymous caller for a token
    // first: 401, and 405 only to a caller with one. The other routes are left out: the health checks answer every
    // method.
    private static int? MethodNotAllowed(Route route, string method, bool authorised) =>
        route.Scope is not null && method != route.Method ? (authorised ? 405 : 401) : null;

    private static HostileCase Authorised(Random random, Tokens tokens, Route route, string description, string target, bool? authorised = null)
    {
        var authorise = authorised ?? random.Next(4) != 0;
        // Everything random is drawn here, never in the request factory: the requests are built concurrently.
        var body = BodyWith(route, "amount", "-1", random);
        return new HostileCase(description + (authorise ? "" : ", no token"), route.Method, target, request =>
        {
            if (authorise)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Valid);
            }

            AddBody(route, request, body);
        });
    }

    private static HostileCase Json(Route route, string description, string token, byte[] body, int? expected = null) =>
        new(description, route.Method, route.Path(), request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }, Expected: expected);

    private static void AddBody(Route route, HttpRequestMessage request, string body)
    {
        if (route.Body != BodyKind.None && request.Content is null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
    }

    /// <summary>
    /// A body whose <paramref name="field"/> holds <paramref name="json"/>. An accrual is always broken some other
    /// way too (a negative amount, or an unknown programme when the amount is the field), so no hostile value can
    /// ever make a valid one and every row the suite finds afterwards is a bug.
    /// </summary>
    private static string BodyWith(Route route, string field, string json, Random random)
    {
        var fields = route.Body == BodyKind.Accrual
            ? new Dictionary<string, string>
            {
                ["bankReference"] = $"\"{ReferencePrefix}-{random.Next():x8}\"",
                ["programmeCode"] = "\"CORV\"",
                ["memberId"] = "\"0047182902\"",
                ["givenName"] = "\"Jörg\"",
                ["surname"] = "\"Müller\"",
                ["amount"] = "-1",
            }
            : new Dictionary<string, string>
            {
                ["memberId"] = "\"0047182902\"",
                ["givenName"] = "\"Jörg\"",
                ["surname"] = "\"Müller\"",
            };
        fields[field] = json;
        if (route.Body == BodyKind.Accrual && field == "amount")
        {
            fields["programmeCode"] = "\"NOPE\"";
        }

        return "{" + string.Join(',', fields.Select(pair => $"\"{pair.Key}\":{pair.Value}")) + "}";
    }

    private static Route RouteWithBody(Random random) => Pick(random, Routes.Where(r => r.Body != BodyKind.None).ToArray());

    private static string WithSegment(Route route, string segment) =>
        route.Segment is null ? route.Path() + "/" + segment : string.Format(CultureInfo.InvariantCulture, route.Template, segment);

    private static string WithQuery(Route route, Random random, string value)
    {
        var name = route.Query.Length > 0 ? Pick(random, route.Query) : "q";
        return route.Path() + "?" + name + "=" + value;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Show(string text) =>
        JsonSerializer.Serialize(text.Length <= 60 ? text : text[..60] + "…");

    private enum BodyKind
    {
        None,
        Accrual,
        Member,
    }

    private sealed record Route(string Method, string Template, string? Scope, BodyKind Body, string? Segment = null, string[]? Query = null)
    {
        public string[] Query { get; } = Query ?? [];

        public string Path() => Segment is null ? Template : string.Format(CultureInfo.InvariantCulture, Template, Segment);
    }

    /// <param name="Target">The raw request target, sent as is (no dot-segment removal, no re-escaping).</param>
    /// <param name="Expected">The one right status, where the generator knows it.</param>
    /// <param name="KestrelMayRefuse">Whether the server may refuse it before the app runs (see the class remarks).</param>
    private sealed record HostileCase(
        string Description, string Method, string Target, Action<HttpRequestMessage> Configure, int? Expected = null,
        bool KestrelMayRefuse = false)
    {
        public HttpRequestMessage Build(Uri uri)
        {
            var request = new HttpRequestMessage(new HttpMethod(Method), uri);
            Configure(request);
            return request;
        }
    }

    private sealed record Verdict(string Bucket, string? Failure);

    /// <summary>Every kind of token the suite presents, minted once.</summary>
    private sealed class Tokens
    {
        private readonly ApiFixture api;

        private Tokens(ApiFixture api, string valid, string stray, IReadOnlyList<(string, string)> bad)
        {
            this.api = api;
            Valid = valid;
            Stray = stray;
            Bad = bad;
        }

        public string Valid { get; }

        public string Stray { get; }

        /// <summary>(description, whole Authorization header value) pairs that must all be a 401.</summary>
        public IReadOnlyList<(string Description, string Header)> Bad { get; }

        public string WithoutScope(string scope) => api.Token(ApiFixture.HarbClient, [.. Scopes.All.Where(s => s != scope)]);

        public static Tokens Create(ApiFixture api)
        {
            var issuer = api.Factory.Services.GetRequiredService<DevelopmentIssuer>();
            const string ourIssuer = "http://127.0.0.1/loyalty-test-issuer";
            var ours = new SigningCredentials(issuer.SigningKey, SecurityAlgorithms.HmacSha256);
            var foreign = new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256);
            string Signed(SigningCredentials credentials, string iss, IDictionary<string, object> claims, DateTime? expires = null) =>
                new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
                {
                    Issuer = iss,
                    Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
                    Claims = claims,
                    SigningCredentials = credentials,
                });
            Dictionary<string, object> Access() => new()
            {
                ["client_id"] = ApiFixture.HarbClient,
                ["scope"] = string.Join(' ', Scopes.All),
                ["token_use"] = "access",
            };
            static string Segment(string json) => Base64UrlEncoder.Encode(json);
            var payload = Segment($$"""{"iss":"{{ourIssuer}}","client_id":"{{ApiFixture.HarbClient}}","scope":"{{string.Join(' ', Scopes.All)}}","token_use":"access","exp":4102444800}""");

            var bad = new List<(string, string)>
            {
                ("expired", "Bearer " + issuer.Mint(ApiFixture.HarbClient, Scopes.All, TimeSpan.FromSeconds(-120))),
                ("foreign issuer", "Bearer " + Signed(ours, "https://evil.example/", Access())),
                ("issuer with quotes", "Bearer " + Signed(ours, "evil\", error_description=\"injected", Access())),
                ("issuer with a new line", "Bearer " + Signed(ours, "evil\r\nX-Injected: 1", Access())),
                ("issuer with non-ASCII", "Bearer " + Signed(ours, "évil☃\u0000", Access())),
                ("foreign key, hostile issuer", "Bearer " + Signed(foreign, "é\"\r\n", Access())),
                ("another key", "Bearer " + Signed(foreign, ourIssuer, Access())),
                ("ID token", "Bearer " + Signed(ours, ourIssuer, new Dictionary<string, object>(Access()) { ["token_use"] = "id" })),
                ("no token_use", "Bearer " + Signed(ours, ourIssuer, new Dictionary<string, object> { ["client_id"] = ApiFixture.HarbClient })),
                ("alg none", "Bearer " + Segment("""{"alg":"none","typ":"JWT"}""") + "." + payload + "."),
                ("alg none, signature kept", "Bearer " + Segment("""{"alg":"none"}""") + "." + payload + ".c2ln"),
                ("alg HS512 claimed", "Bearer " + Segment("""{"alg":"HS512","typ":"JWT"}""") + "." + payload + ".c2ln"),
                ("header not JSON", "Bearer " + Segment("not json") + "." + payload + ".c2ln"),
                ("payload not JSON", "Bearer " + Segment("""{"alg":"HS256"}""") + "." + Segment("[[[") + ".c2ln"),
                ("JWE shaped", "Bearer a.b.c.d.e"),
                ("garbage", "Bearer not.a.jwt"),
                ("two dots", "Bearer .."),
                ("empty bearer", "Bearer "),
                ("scheme only", "Bearer"),
                ("basic", "Basic dXNlcjpwYXNzd29yZA=="),
                ("unknown scheme", "Token abc"),
                ("symbols", "Bearer !@#$%^&*()_+{}|:<>?"),
                ("quotes", "Bearer \"a.b.c\""),
                ("two tokens", "Bearer a.b.c, Bearer d.e.f"),
                ("long garbage", "Bearer " + new string('x', 8_000)),
                ("percent escapes", "Bearer %00%0A%ED%A0%80"),
            };
            return new Tokens(api, api.Token(ApiFixture.HarbClient), api.Token(ApiFixture.StrayClient), bad);
        }
    }
}
