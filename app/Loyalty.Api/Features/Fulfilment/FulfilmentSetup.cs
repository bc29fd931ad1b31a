using Amazon.S3;
using Amazon.SQS;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;

namespace Loyalty.Api.Features.Fulfilment;

public static class FulfilmentSetup
{
    /// <summary>The fulfilment services; the scheduled worker too when <paramref name="withWorker"/>.</summary>
    public static IServiceCollection AddLoyaltyFulfilment(this IServiceCollection services, IConfiguration configuration, bool withWorker)
    {
        services.AddOptions<FulfilmentOptions>().Bind(configuration.GetSection(FulfilmentOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();

        // The standard AWS_ENDPOINT_URL points both clients at the local emulator; in AWS it is unset and
        // the SDK finds the regional endpoints, the region and the instance role's credentials itself.
        var endpoint = configuration["AWS_ENDPOINT_URL"];
        services.AddSingleton<IAmazonS3>(_ => new AmazonS3Client(endpoint is null
            ? new AmazonS3Config()
            : new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true }));
        services.AddSingleton<IAmazonSQS>(_ => new AmazonSQSClient(endpoint is null
            ? new AmazonSQSConfig()
            : new AmazonSQSConfig { ServiceURL = endpoint }));

        services.AddSingleton<BatchExporter>();
        services.AddSingleton<HandbackLedger>();
        services.AddSingleton<HandbackReports>();
        services.AddSingleton<HandbackIngester>();
        services.AddSingleton<HandbackIntake>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<ExpirySweep>();
        if (withWorker)
        {
            services.AddHostedService<FulfilmentWorker>();
        }

        return services;
    }
}
