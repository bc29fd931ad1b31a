using System.Net;
using System.Text.Json;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class OperationsTests(ApiFixture api)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_AnswersWithoutAToken(string path)
    {
        using var http = api.Client(clientId: null);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs")]
    public async Task Reference_AnswersWithoutAToken(string path)
    {
        using var http = api.Client(clientId: null);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EveryEndpointNotMarkedAnonymous_NeedsAnAuthenticatedCaller()
    {
        // The fallback policy: what a route mapped without a policy of its own gets.
        var fallback = await api.Factory.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();
        Assert.NotNull(fallback);
        Assert.Contains(fallback.Requirements, r => r is DenyAnonymousAuthorizationRequirement);

        // So even a path no route maps asks an anonymous caller for a token, with a problem.
        using var http = api.Client(clientId: null);
        using var response = await http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Instance_EchoesTheTraceId()
    {
        using var http = api.Client(clientId: null);
        using var response = await http.GetAsync("/instance?trace_id=lb-000017");
        var body = await response.JsonAsync();
        Assert.Equal("test-instance", body.GetProperty("instanceId").GetString());
        Assert.Equal("lb-000017", body.GetProperty("traceId").GetString());
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/v1/programmes")]
    [InlineData("/v1/nothing-here")]
    public async Task EveryResponse_NamesTheInstanceThatServedIt(string path)
    {
        using var http = api.Client();
        using var response = await http.GetAsync(path);
        Assert.Equal("test-instance", Assert.Single(response.Headers.GetValues(ApiSetup.ServedByHeader)));
    }

    [Fact]
    public async Task OversizedHeaders_AreRefusedWith431()
    {
        using var http = api.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/programmes");
        request.Headers.Add("X-Padding", new string('x', 20 * 1024));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_Returns404Problem()
    {
        using var http = api.Client();
        using var response = await http.GetAsync("/v1/nothing-here");
        await response.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
    }

    [Fact]
    public async Task OpenApiDocument_PassesTheValidatorAndDescribesEveryEndpoint()
    {
        using var http = api.Client(clientId: null);
        var json = await http.GetStringAsync("/openapi/v1.json");
        var document = JsonDocument.Parse(json).RootElement;

        var paths = document.GetProperty("paths");
        foreach (var path in new[]
        {
            "/v1/programmes", "/v1/programmes/{code}", "/v1/programmes/{code}/member-validations", "/v1/accruals",
            "/v1/transactions", "/v1/transactions/{transactionId}", "/v1/transactions/{transactionId}/cancel",
            "/v1/events", "/instance",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("cognito");
        var scopes = scheme.GetProperty("flows").GetProperty("clientCredentials").GetProperty("scopes");
        Assert.Equal(LoyaltyApiFactory.TokenEndpoint,
            scheme.GetProperty("flows").GetProperty("clientCredentials").GetProperty("tokenUrl").GetString());
        Assert.All(Scopes.All, scope => Assert.True(scopes.TryGetProperty(scope, out _)));
        var accrual = paths.GetProperty("/v1/accruals").GetProperty("post");
        Assert.Equal(Scopes.AccrualsWrite, accrual.GetProperty("security")[0].GetProperty("cognito")[0].GetString());
        foreach (var status in new[] { "201", "200", "400", "401", "403", "409", "413", "422", "429" })
        {
            Assert.True(accrual.GetProperty("responses").TryGetProperty(status, out _), $"POST /v1/accruals lacks {status}");
        }

        Assert.Contains("\"examples\"", json, StringComparison.Ordinal);

        var file = Path.Combine(Path.GetTempPath(), $"loyalty-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            var validation = await Processes.RunAsync("python3", ["-m", "openapi_spec_validator", file]);
            Assert.True(validation.ExitCode == 0, validation.Output + validation.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task DocsPage_IsServed()
    {
        using var http = api.Client(clientId: null);
        using var response = await http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
