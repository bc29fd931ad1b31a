using Amazon.S3;
using Amazon.SQS;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;
using Loyalty.Api.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Features.Fulfilment;

public static class FulfilmentSetup
{
    /// <summary>The fulfilment services; the scheduled worker too when <paramref name="withWorker"/>.</summary>
    public static IServiceCollection AddLoyaltyFulfilment(this IServiceCollection services, IConfiguration configuration, bool withWorker)
    {
        services.AddOptions<FulfilmentOptions>().Bind(configuration.GetSection(FulfilmentOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();

        var endpoint = configuration[AwsClients.EndpointSetting];
        services.AddSingleton<IAmazonS3>(_ => AwsClients.S3(endpoint));
        services.AddSingleton<IAmazonSQS>(_ => AwsClients.Sqs(endpoint));

        services.AddSingleton<BatchExporter>();
        services.AddSingleton<HandbackLedger>();
        services.AddSingleton<HandbackReports>();
        services.AddSingleton<HandbackIngester>();
        services.AddSingleton<HandbackIntake>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<ExpirySweep>();
        services.AddSingleton<PipelineWatch>();
        if (withWorker)
        {
            services.AddHostedService<FulfilmentWorker>();
        }

        return services;
    }
}
