using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Loyalty.Api.Tests.Domain;

/// <summary>
/// The member id rules the API runs: as the seed migrations stored them in MariaDB and the catalogue loaded them,
/// not a copy. Tests hold them to DOMAIN.md §3.2's table and worked examples.
/// </summary>
internal static class ProgrammeRules
{
    public static MemberIdRule MemberIdRule(this ApiFixture api, string programmeCode) =>
        api.Factory.Services.GetRequiredService<CatalogueStore>().Current.Programmes[programmeCode].MemberIdRule;
}
