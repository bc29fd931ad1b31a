using Dapper;
using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Loyalty.Api.Tests.Domain;

[Collection(ApiSuite.Name)]
public sealed class ProgrammeDefinitionsTests(ApiFixture api)
{
    public static TheoryData<string> Codes => [.. ProgrammeDefinitions.All.Select(programme => programme.Code)];

    [Theory]
    [MemberData(nameof(Codes))]
    public void EveryProgramme_HasAUsableExchangeOfItsOwn(string code)
    {
        var programme = ProgrammeDefinitions.Get(code);

        Assert.Equal(code, programme.Exchange.ProgrammeCode);
        Assert.True(PartnerFileFormats.IsRegistered(programme.Exchange.Kind));
        Assert.NotNull(programme.Exchange.Format);
    }

    /// <summary>DOMAIN.md §5: CORV and VERD handbacks carry no trailer, so they must answer every row; LUMO's counts are six digits wide.</summary>
    [Theory]
    [InlineData("CORV", true, int.MaxValue)]
    [InlineData("QUIL", false, int.MaxValue)]
    [InlineData("TAMR", false, int.MaxValue)]
    [InlineData("LUMO", false, 999_999)]
    [InlineData("HALC", false, int.MaxValue)]
    [InlineData("VERD", true, int.MaxValue)]
    public void EachFormat_KnowsItsWholeFileCheckAndSize(string code, bool answersEveryRow, int maxRows)
    {
        var format = ProgrammeDefinitions.Get(code).Exchange.Format;

        Assert.Equal(answersEveryRow, format.HandbackAnswersEveryRow);
        Assert.Equal(maxRows, format.MaxRowsPerFile);
    }

    [Fact]
    public void EveryFileKind_HasAFormat()
    {
        Assert.All(Enum.GetValues<PartnerFileKind>(), kind => Assert.True(PartnerFileFormats.IsRegistered(kind), $"{kind} has no format"));
    }

    [Fact]
    public async Task TheProgrammesTable_HoldsTheDefinitions_AndTheSyncRestoresThem()
    {
        await using var db = await api.OpenDatabaseAsync();
        await db.ExecuteAsync("UPDATE programmes SET name = 'stale', promise_days = 99, active = FALSE WHERE code = 'VERD'");
        try
        {
            await SyncAsync(db);

            var rows = (await db.QueryAsync<(string Code, string Name, int PromiseDays, TimeSpan CutoffUtc, string NameRule, string MemberIdPattern, string FileKind, string FileEncoding)>(
                "SELECT code, name, promise_days, cutoff_utc, name_rule, member_id_pattern, file_kind, file_encoding FROM programmes ORDER BY code")).ToList();
            Assert.Equal(
                ProgrammeDefinitions.All.OrderBy(p => p.Code, StringComparer.Ordinal).Select(p => (p.Code, p.Name, p.PromiseDays,
                    p.CutoffUtc.ToTimeSpan(), PersonNames.ToCode(p.NameRule), p.MemberIdRule.Pattern,
                    PartnerFileFormats.Code(p.Exchange.Kind), p.Exchange.Format.Encoding.WebName.ToUpperInvariant())),
                rows);
            // Whether a programme is offered stays the database's to say.
            Assert.False(await db.ExecuteScalarAsync<bool>("SELECT active FROM programmes WHERE code = 'VERD'"));
        }
        finally
        {
            await db.ExecuteAsync("UPDATE programmes SET active = TRUE WHERE code = 'VERD'");
        }
    }

    [Fact]
    public async Task AnActiveProgrammeWithoutADefinition_StopsTheCatalogueLoading()
    {
        await using var db = await api.OpenDatabaseAsync();
        await db.ExecuteAsync("""
            INSERT INTO programmes (code, name, type, region, currency, description, min_amount, max_amount, amount_multiple,
                                    promise_days, cutoff_utc, enrolment_url, name_rule, member_id_normalisation,
                                    member_id_pattern, member_id_check, member_id_hint, file_kind, file_encoding, active)
            SELECT 'ZZZZ', name, type, region, currency, description, min_amount, max_amount, amount_multiple, promise_days,
                   cutoff_utc, enrolment_url, name_rule, member_id_normalisation, member_id_pattern, member_id_check,
                   member_id_hint, file_kind, file_encoding, TRUE
            FROM programmes WHERE code = 'CORV'
            """);
        try
        {
            var store = ActivatorUtilities.CreateInstance<CatalogueStore>(api.Factory.Services);

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => store.LoadAsync(CancellationToken.None));

            Assert.Contains("ZZZZ", refused.Message, StringComparison.Ordinal);
            Assert.False(store.IsLoaded);
        }
        finally
        {
            await db.ExecuteAsync("DELETE FROM programmes WHERE code = 'ZZZZ'");
        }
    }

    private static async Task SyncAsync(MySqlConnection db)
    {
        await using var transaction = await db.BeginTransactionAsync();
        await new CatalogueSync().SeedAsync(db, transaction, CancellationToken.None);
        await transaction.CommitAsync();
    }
}
