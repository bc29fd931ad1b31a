using Loyalty.Api.Infrastructure.OpenApi;
using Loyalty.Core;

namespace Loyalty.Api.Domain.Catalogue;

public sealed record Bank(string Code, string Name, IReadOnlySet<string> ProgrammeCodes);

/// <summary>The catalogue entry shown on a bank's site.</summary>
[OpenApiExample(Example)]
public sealed record ProgrammeView(
    string Code,
    string Name,
    string Type,
    string Region,
    string Currency,
    string Description,
    AmountRules Amount,
    Promise Promise,
    string CutoffUtc,
    string EnrolmentUrl,
    MemberIdFormat MemberId,
    NameFields NameFields)
{
    internal const string Example = """
        {"code":"CORV","name":"Corvane Airways Miles","type":"airline","region":"Europe","currency":"Corvane Miles",
         "description":"Miles on Corvane's European network.","amount":{"min":500,"max":200000,"multipleOf":50},
         "promise":{"businessDays":3,"text":"Credited within 3 business days"},"cutoffUtc":"17:00",
         "enrolmentUrl":"https://corvane.example.com/join","memberId":{"hint":"10 digits, e.g. 0047182902 (spaces are ignored)"},
         "nameFields":{"givenName":"optional","surname":"required"}}
        """;

    public static ProgrammeView From(Programme p) => new(
        p.Code, p.Name, p.Type, p.Region, p.Currency, p.Description,
        new AmountRules(p.MinAmount, p.MaxAmount, p.AmountMultiple),
        new Promise(p.PromiseDays, $"Credited within {p.PromiseDays} business days"),
        p.CutoffUtc.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        p.EnrolmentUrl,
        new MemberIdFormat(p.MemberIdHint),
        new NameFields(
            PersonNames.RequiresGivenName(p.NameRule) ? "required" : "optional",
            PersonNames.RequiresSurname(p.NameRule) ? "required" : "optional"));
}

/// <summary>Inclusive bounds, and the step every amount must be a multiple of.</summary>
public sealed record AmountRules(long Min, long Max, long MultipleOf);

public sealed record Promise(int BusinessDays, string Text);

/// <summary>A human hint of the member id format, for the bank's form.</summary>
public sealed record MemberIdFormat(string Hint);

/// <summary>Whether each name field must be sent (<c>required</c>) or may be (<c>optional</c>).</summary>
public sealed record NameFields(string GivenName, string Surname);

[OpenApiExample($$"""{"programmes":[{{ProgrammeView.Example}}]}""")]
public sealed record ProgrammeList(IReadOnlyList<ProgrammeView> Programmes);
