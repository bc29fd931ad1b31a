using System.Net;
using System.Net.Http.Headers;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class AuthTests(ApiFixture api)
{
    public static TheoryData<string, string, string> Endpoints => new()
    {
        { "GET", "/v1/programmes", Scopes.ProgrammesRead },
        { "GET", "/v1/programmes/CORV", Scopes.ProgrammesRead },
        { "POST", "/v1/programmes/CORV/member-validations", Scopes.MembersValidate },
        { "POST", "/v1/accruals", Scopes.AccrualsWrite },
        { "GET", "/v1/transactions/01JPAM9S346Q3D25VT4F5V37E3", Scopes.TransactionsRead },
        { "GET", "/v1/transactions?bankReference=x", Scopes.TransactionsRead },
        { "POST", "/v1/transactions/01JPAM9S346Q3D25VT4F5V37E3/cancel", Scopes.AccrualsWrite },
        { "GET", "/v1/events", Scopes.TransactionsRead },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task NoToken_Returns401Problem(string method, string path, string scope)
    {
        _ = scope;
        using var http = api.Client(clientId: null);
        using var response = await http.SendAsync(Request(method, path));
        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryScopeButTheNeededOne_Returns403Problem(string method, string path, string scope)
    {
        using var http = api.Client(ApiFixture.HarbClient, [.. Scopes.All.Where(s => s != scope)]);
        using var response = await http.SendAsync(Request(method, path));
        await response.ProblemAsync(HttpStatusCode.Forbidden, Problems.ForbiddenType);
    }

    [Fact]
    public async Task ClientOfNoBank_Returns403()
    {
        using var http = api.Client(ApiFixture.StrayClient);
        using var response = await http.GetAsync("/v1/programmes");
        await response.ProblemAsync(HttpStatusCode.Forbidden, Problems.ForbiddenType);
    }

    [Fact]
    public async Task TokenSignedWithAnotherKey_Returns401()
    {
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://127.0.0.1/loyalty-test-issuer",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["client_id"] = ApiFixture.HarbClient,
                ["scope"] = string.Join(' ', Scopes.All),
                ["token_use"] = "access",
            },
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256),
        });
        using var http = api.Client(clientId: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        using var response = await http.GetAsync("/v1/programmes");
        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
    }

    [Theory]
    [InlineData(ApiFixture.HarbClient, HttpStatusCode.OK)]
    [InlineData(ApiFixture.StrayClient, HttpStatusCode.Forbidden)]
    public async Task BankClaimInsideTheToken_IsIgnored(string clientId, HttpStatusCode expected)
    {
        var issuer = api.Factory.Services.GetRequiredService<DevelopmentIssuer>();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://127.0.0.1/loyalty-test-issuer",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["client_id"] = clientId,
                ["scope"] = string.Join(' ', Scopes.All),
                ["token_use"] = "access",
                ["loyalty:bank"] = "ORCH",
            },
            SigningCredentials = new SigningCredentials(issuer.SigningKey, SecurityAlgorithms.HmacSha256),
        });
        using var http = api.Client(clientId: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.GetAsync("/v1/programmes");

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            var codes = (await response.JsonAsync()).GetProperty("programmes").EnumerateArray().Select(p => p.GetProperty("code").GetString());
            Assert.Equal("CORV,HALC,LUMO,QUIL", string.Join(',', codes)); // Harbourline's, not Orchid's
        }
    }

    [Fact]
    public async Task ExpiredToken_Returns401()
    {
        var issuer = api.Factory.Services.GetRequiredService<DevelopmentIssuer>();
        var shortLived = issuer.Mint(ApiFixture.HarbClient, Scopes.All, TimeSpan.FromSeconds(-31));
        using var http = api.Client(clientId: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", shortLived);
        using var response = await http.GetAsync("/v1/programmes");
        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
    }

    [Fact]
    public async Task GarbageToken_Returns401()
    {
        using var http = api.Client(clientId: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not.a.jwt");
        using var response = await http.GetAsync("/v1/programmes");
        await response.ProblemAsync(HttpStatusCode.Unauthorized, Problems.UnauthorizedType);
    }

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
        };
}
