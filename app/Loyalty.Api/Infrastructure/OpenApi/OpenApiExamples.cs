using System.Text.Json.Nodes;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Features.Accruals;
using Loyalty.Api.Features.Events;
using Loyalty.Api.Features.Members;
using Loyalty.Api.Features.Operations;
using Microsoft.AspNetCore.Mvc;

namespace Loyalty.Api.Infrastructure.OpenApi;

/// <summary>One example per request and response shape, written as the JSON a bank sends or receives.</summary>
public static class OpenApiExamples
{
    private const string Transaction = """
        {"transactionId":"01JPAM9S346Q3D25VT4F5V37E3","bankReference":"HB-2025-000123","programmeCode":"CORV",
         "memberId":"0047182902","givenName":"Jörg","surname":"Müller","amount":12500,"status":"pending","outcome":null,
         "attempts":0,"expectedBy":null,"requestedAt":"2025-03-13T09:30:00Z","createdAt":"2025-03-13T09:30:01.123456Z",
         "updatedAt":"2025-03-13T09:30:01.123456Z"}
        """;

    private const string Programme = """
        {"code":"CORV","name":"Corvane Airways Miles","type":"airline","region":"Europe","currency":"Corvane Miles",
         "description":"Miles on Corvane's European network.","amount":{"min":500,"max":200000,"multipleOf":50},
         "promise":{"businessDays":3,"text":"Credited within 3 business days"},"cutoffUtc":"17:00",
         "enrolmentUrl":"https://corvane.example.com/join","memberId":{"hint":"10 digits, e.g. 0047182902 (spaces are ignored)"},
         "nameFields":{"givenName":"optional","surname":"required"}}
        """;

    private const string Event = """
        {"eventId":"01JPB2T7X4K9QH3M8RZC5VWN6D","type":"transaction.status_changed","sequence":3,
         "transactionId":"01JPAM9S346Q3D25VT4F5V37E3","bankCode":"HARB","bankReference":"HB-2025-000123",
         "programmeCode":"CORV","amount":12500,"previousStatus":"submitted","newStatus":"fulfilled",
         "outcome":{"code":"SUCCESS","programmeCode":"0000","reason":"Credited"},"occurredAt":"2025-03-16T06:12:09Z"}
        """;

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(AccrualRequest)] = """
            {"bankReference":"HB-2025-000123","programmeCode":"CORV","memberId":"0047182902","givenName":"Jörg",
             "surname":"Müller","amount":12500,"requestedAt":"2025-03-13T09:30:00Z"}
            """,
        [typeof(TransactionView)] = Transaction,
        [typeof(ProgrammeView)] = Programme,
        [typeof(ProgrammeList)] = $$"""{"programmes":[{{Programme}}]}""",
        [typeof(MemberValidationRequest)] = """{"memberId":"0047 1829 02","givenName":"Jörg","surname":"Müller"}""",
        [typeof(MemberValidationResult)] = """
            {"valid":false,"normalisedMemberId":"0047182903","errors":[{"field":"memberId","code":"MEMBER_ID_CHECK_DIGIT"}]}
            """,
        [typeof(EventView)] = Event,
        [typeof(EventPage)] = $$"""{"events":[{{Event}}],"nextCursor":"42"}""",
        [typeof(InstanceInfo)] = """{"instanceId":"i-0abc123def4567890","traceId":"lb-test-000017"}""",
        [typeof(ProblemDetails)] = """
            {"type":"https://loyalty.example.com/problems/validation-failed","title":"The request has invalid fields.",
             "status":422,"detail":"1 field(s) failed validation: amount (AMOUNT_NOT_MULTIPLE).",
             "errors":[{"field":"amount","code":"AMOUNT_NOT_MULTIPLE"}],"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
    };

    public static JsonNode? For(Type type) => Examples.TryGetValue(type, out var json) ? JsonNode.Parse(json) : null;

    public static IEnumerable<Type> Types => Examples.Keys;
}
