using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Operations;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Api.Infrastructure.OpenApi;
using Loyalty.Core;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Scalar.AspNetCore;

namespace Loyalty.Api;

public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>The largest accrual is well under 1 KiB; anything far bigger is not a bank's request.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;

    public int MaxRequestHeadersBytes { get; set; } = 16 * 1024;

    /// <summary>In-flight requests get this long to finish on SIGTERM; below the ALB's deregistration delay.</summary>
    public int ShutdownSeconds { get; set; } = 25;
}

/// <summary>The API's service defaults (telemetry, errors, auth, limits, health) and its pipeline, in one place.</summary>
public static class ApiSetup
{
    public static WebApplicationBuilder AddLoyaltyApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var limits = configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>() ?? new LimitsOptions();

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersBytes;
        });
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(limits.ShutdownSeconds));
        // Under systemd (Type=notify) the unit is "started" only once the host is listening, and logs go to the
        // journal without ANSI noise; elsewhere this does nothing.
        services.AddSystemd();

        services.AddSingleton(TimeProvider.System);
        services.Configure<JsonOptions>(json => json.SerializerOptions.AllowDuplicateProperties = false);
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // Registered before AddProblemDetails so it is the writer the problem details service picks first.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            var details = context.ProblemDetails;
            var status = details.Status ?? context.HttpContext.Response.StatusCode;
            if (details.Type is null || details.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                details.Type = Problems.TypeFor(status);
            }

            details.Detail ??= status switch
            {
                StatusCodes.Status401Unauthorized => "Send a valid bearer access token: Authorization: Bearer <token>.",
                StatusCodes.Status403Forbidden => "The token lacks the scope this endpoint needs, or its client is not a bank of this platform.",
                StatusCodes.Status404NotFound => "There is no such resource.",
                _ => null,
            };
            details.Instance ??= context.HttpContext.Request.Path;
        });
        services.AddExceptionHandler<ErrorHandler>();

        services.AddLoyaltyDatabase(configuration);
        services.AddLoyaltyAuth(configuration);
        services.AddLoyaltyRateLimiting(configuration);
        services.AddLoyaltyOpenApi();

        services.AddOptions<InstanceOptions>().Bind(configuration.GetSection(InstanceOptions.Section));
        services.AddSingleton<InstanceIdentity>();
        services.AddCatalogue();
        services.AddHostedService<StartupTasks>();
        // After StartupTasks: hosted services start in order, so the worker never sees an unloaded catalogue.
        services.AddLoyaltyFulfilment(configuration, withWorker: true);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }

    public const string ServedByHeader = "X-Served-By";

    public static WebApplication UseLoyaltyApi(this WebApplication app)
    {
        // Which instance answered: the load generator and the cluster tests count requests per instance with it.
        // Never in Production, where it would name hosts to the internet. Set as the response starts, outermost,
        // because the exception handler clears the headers of the response it replaces. Kestrel's own error
        // responses (requests refused before or after the app ran) never carry it, which is how the hostile-input
        // tests tell them apart.
        var servedBy = app.Environment.IsProduction() ? null : app.Services.GetRequiredService<InstanceIdentity>().Id;
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                if (servedBy is not null)
                {
                    context.Response.Headers[ServedByHeader] = servedBy;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseJsonCharsetGuard();

        app.MapHealthChecks(HealthPaths.Live, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks(HealthPaths.Ready, new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapOpenApi($"{ApiPaths.OpenApi}/{{documentName}}.json").AllowAnonymous();
        app.MapScalarApiReference(ApiPaths.Docs, scalar => scalar
            .WithTitle("Loyalty API")
            .WithOpenApiRoutePattern($"{ApiPaths.OpenApi}/{OpenApiSetup.DocumentName}.json"))
            .AllowAnonymous();
        return app;
    }
}
