namespace Loyalty.Api.Tests.Infrastructure;

/// <summary>Accrual request bodies that pass every rule; each test makes its own unique bank references.</summary>
public static class AccrualBodies
{
    public static string NewReference(string prefix = "T") => $"{prefix}-{Guid.NewGuid():N}";

    public static string Corv(string reference, long amount = 12500, string memberId = "0047182902", string surname = "Müller") =>
        $$"""
        {"bankReference":"{{reference}}","programmeCode":"CORV","memberId":"{{memberId}}","givenName":"Jörg","surname":"{{surname}}","amount":{{amount}}}
        """;

    public static string Tamr(string reference, long amount = 100) =>
        $$"""
        {"bankReference":"{{reference}}","programmeCode":"TAMR","memberId":"TK004512","givenName":"Anjali","surname":"Rao","amount":{{amount}}}
        """;
}
