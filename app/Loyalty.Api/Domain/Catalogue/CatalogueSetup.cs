using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;

namespace Loyalty.Api.Domain.Catalogue;

public static class CatalogueSetup
{
    /// <summary>The catalogue snapshot, and the programme definitions written into the database on every migration run.</summary>
    public static IServiceCollection AddCatalogue(this IServiceCollection services)
    {
        services.AddSingleton<CatalogueStore>();
        services.AddSingleton<IClientBanks>(provider => provider.GetRequiredService<CatalogueStore>());
        services.AddSingleton<IDatabaseSeed, CatalogueSync>();
        return services;
    }
}
