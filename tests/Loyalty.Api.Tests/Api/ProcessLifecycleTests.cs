using System.Net;
using System.Text;
using Dapper;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class ProcessLifecycleTests(ApiFixture api) : IDisposable
{
    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"loyalty-process-{Guid.NewGuid():N}.key");

    [Fact]
    public async Task Sigterm_LetsTheInFlightRequestFinishThenExitsCleanly()
    {
        await using var process = await ApiProcess.StartAsync(api.ConnectionString, keyFile, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        var token = DevelopmentIssuer.FromKeyFile(keyFile, "http://127.0.0.1/loyalty-test-issuer", TimeProvider.System)
            .Mint(ApiFixture.HarbClient, Scopes.All, TimeSpan.FromMinutes(5));
        using var http = new HttpClient { BaseAddress = process.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var reference = AccrualBodies.NewReference("SIGTERM");
        var body = new GatedContent(Encoding.UTF8.GetBytes(AccrualBodies.Corv(reference)));

        // The request is in flight: headers and half the body are in; the rest comes after SIGTERM.
        var pending = http.PostAsync("/v1/accruals", body);
        await process.WaitForLogAsync("Request starting HTTP/1.1 POST");
        await process.SignalAsync("TERM");
        await process.WaitForLogAsync("Application is shutting down");
        body.Release();

        using var response = await pending;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await using var db = await api.OpenDatabaseAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM transactions WHERE bank_reference = @reference", new { reference }));
    }

    public void Dispose() => File.Delete(keyFile);

    /// <summary>Sends the first half of a body, then the rest only when released.</summary>
    private sealed class GatedContent(byte[] bytes) : HttpContent
    {
        private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => gate.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = bytes.Length / 2;
            await stream.WriteAsync(bytes.AsMemory(0, half));
            await stream.FlushAsync();
            await gate.Task;
            await stream.WriteAsync(bytes.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return true;
        }
    }
}
