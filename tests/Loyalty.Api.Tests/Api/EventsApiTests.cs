using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class EventsApiTests(ApiFixture api)
{
    [Fact]
    public async Task Feed_HasTheDomainShapeAndPagesWithTheCursor()
    {
        using var http = api.Client(ApiFixture.OrchClient);
        var head = await HeadAsync(http);
        var reference = AccrualBodies.NewReference();
        using var created = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Tamr(reference));
        var id = (await created.JsonAsync()).GetProperty("transactionId").GetString();
        using var cancelled = await http.PostAsync($"/v1/transactions/{id}/cancel", null);

        using var first = await http.GetAsync($"/v1/events?after={head}&limit=1");
        var page1 = await first.JsonAsync();
        using var second = await http.GetAsync($"/v1/events?after={page1.GetProperty("nextCursor").GetString()}&limit=1");
        var page2 = await second.JsonAsync();

        var creation = Assert.Single(page1.GetProperty("events").EnumerateArray());
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", creation.GetProperty("eventId").GetString());
        Assert.Equal("transaction.status_changed", creation.GetProperty("type").GetString());
        Assert.Equal(1, creation.GetProperty("sequence").GetInt32());
        Assert.Equal(id, creation.GetProperty("transactionId").GetString());
        Assert.Equal("ORCH", creation.GetProperty("bankCode").GetString());
        Assert.Equal(reference, creation.GetProperty("bankReference").GetString());
        Assert.Equal("TAMR", creation.GetProperty("programmeCode").GetString());
        Assert.Equal(100, creation.GetProperty("amount").GetInt64());
        Assert.Equal(JsonValueKind.Null, creation.GetProperty("previousStatus").ValueKind);
        Assert.Equal("pending", creation.GetProperty("newStatus").GetString());
        Assert.Equal(JsonValueKind.Null, creation.GetProperty("outcome").ValueKind);
        Assert.EndsWith("Z", creation.GetProperty("occurredAt").GetString(), StringComparison.Ordinal);

        var cancellation = Assert.Single(page2.GetProperty("events").EnumerateArray());
        Assert.Equal(2, cancellation.GetProperty("sequence").GetInt32());
        Assert.Equal("pending", cancellation.GetProperty("previousStatus").GetString());
        Assert.Equal("cancelled", cancellation.GetProperty("newStatus").GetString());
        Assert.Equal("CANCELLED", cancellation.GetProperty("outcome").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, cancellation.GetProperty("outcome").GetProperty("programmeCode").ValueKind);
    }

    [Fact]
    public async Task Feed_NeverShowsAnotherBanksEvents()
    {
        using var harb = api.Client(ApiFixture.HarbClient);
        using var nval = api.Client(ApiFixture.NvalClient);
        var harbHead = await HeadAsync(harb);
        var harbReference = AccrualBodies.NewReference();
        var nvalReference = AccrualBodies.NewReference();
        using (var created = await harb.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(harbReference)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // HARB's event is in the feed (positions are given as a bank reads it) before NVAL looks.
        using var harbFeed = await harb.GetAsync($"/v1/events?after={harbHead}&limit=500");
        Assert.Equal(HttpStatusCode.OK, harbFeed.StatusCode);
        Assert.Contains((await harbFeed.JsonAsync()).GetProperty("events").EnumerateArray(),
            e => e.GetProperty("bankReference").GetString() == harbReference);
        using (var created = await nval.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(nvalReference)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // The whole feed from the start: each bank numbers its own feed, so a cursor would not cover HARB's positions.
        var events = await AllEventsAsync(nval);
        Assert.Contains(events, e => e.GetProperty("bankReference").GetString() == nvalReference);
        Assert.DoesNotContain(events, e => e.GetProperty("bankReference").GetString() == harbReference);
        Assert.All(events, e => Assert.Equal("NVAL", e.GetProperty("bankCode").GetString()));
    }

    [Fact]
    public async Task PollingWhileOthersCommit_SeesEveryChangeExactlyOnceInOrder()
    {
        using var http = api.Client(ApiFixture.OrchClient);
        var cursor = await HeadAsync(http);
        var created = new ConcurrentBag<string>();
        var seen = new List<(string TransactionId, int Sequence)>();

        using var writers = new CancellationTokenSource();
        var writing = Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 15; i++)
            {
                using var response = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Tamr(AccrualBodies.NewReference("FEED")));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                var id = (await response.JsonAsync()).GetProperty("transactionId").GetString()!;
                created.Add(id);
                if (i % 3 == 0)
                {
                    using var cancel = await http.PostAsync($"/v1/transactions/{id}/cancel", null);
                    Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
                }
            }
        }));

        // Poll continuously while the writers commit, then once more after they finish.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var done = writing.IsCompleted;
            using var response = await http.GetAsync($"/v1/events?after={cursor}&limit=7");
            var page = await response.JsonAsync();
            foreach (var e in page.GetProperty("events").EnumerateArray())
            {
                seen.Add((e.GetProperty("transactionId").GetString()!, e.GetProperty("sequence").GetInt32()));
            }

            cursor = page.GetProperty("nextCursor").GetString()!;
            if (done && page.GetProperty("events").GetArrayLength() == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the feed did not drain within 60 s");
        }

        await writing;
        var ours = seen.Where(e => created.Contains(e.TransactionId)).ToList();
        Assert.Equal(ours.Count, ours.Distinct().Count());
        Assert.Equal(120 + 40, ours.Count); // 8 writers x 15 creations, and 5 cancellations each
        Assert.All(created, id => Assert.Contains((id, 1), ours));
        // Per transaction, the feed shows sequence 1 before sequence 2.
        Assert.All(ours.GroupBy(e => e.TransactionId),
            group => Assert.Equal(Enumerable.Range(1, group.Count()), group.Select(e => e.Sequence)));
    }

    /// <summary>
    /// Each poll that finds events without a position gives them theirs, under the bank's feed row lock. Pollers that
    /// arrive together must queue for that lock, not deadlock on it (which the API would answer 503).
    /// </summary>
    [Fact]
    public async Task PollersArrivingTogether_WhileEventsAwaitPositions_AreAllAnswered()
    {
        const int Rounds = 25;
        const int Pollers = 8;
        using var http = api.Client(ApiFixture.HarbClient);
        var head = await HeadAsync(http);
        var failures = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var reference = AccrualBodies.NewReference("POLL");
            using (var created = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference)))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            using var start = new SemaphoreSlim(0, Pollers);
            var polls = Enumerable.Range(0, Pollers).Select(async _ =>
            {
                await start.WaitAsync();
                using var response = await http.GetAsync($"/v1/events?after={head}&limit=500");
                var body = await response.Content.ReadAsStringAsync();
                return (response.StatusCode, Body: body);
            }).ToList();
            start.Release(Pollers);
            foreach (var (status, body) in await Task.WhenAll(polls))
            {
                if (status != HttpStatusCode.OK)
                {
                    failures.Add($"round {round}: {(int)status} {body}");
                }
                else if (!body.Contains(reference, StringComparison.Ordinal))
                {
                    failures.Add($"round {round}: the page lacks {reference}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds * Pollers} polls went wrong:\n{string.Join("\n", failures.Take(5))}");
    }

    /// <summary>
    /// A backlog longer than one sequencing pass (polls position up to <see cref="EventFeed.MaxPerPass"/> events each):
    /// positions follow the order the events were written in, with no gap or repeat where one pass ends.
    /// </summary>
    [Fact]
    public async Task ABacklogLongerThanOnePass_IsPositionedInWritingOrder_WithoutGapsOrRepeats()
    {
        using var http = api.Client(ApiFixture.NvalClient);
        var head = long.Parse(await HeadAsync(http), CultureInfo.InvariantCulture);
        var count = EventFeed.MaxPerPass + 37;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var created = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(AccrualBodies.NewReference("PASS")));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        });

        var events = await AllEventsAsync(http, after: head.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(count, events.Count);
        Assert.Equal(count, events.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
        await using var db = await api.OpenDatabaseAsync();
        var positions = await db.QueryAsync<long>(
            "SELECT feed_position FROM events WHERE bank_code = 'NVAL' AND (feed_position > @Head OR feed_position IS NULL) ORDER BY id",
            new { Head = head });
        Assert.Equal(Enumerable.Range(1, count).Select(i => head + i), positions);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("limit=abc")]
    [InlineData("after=-1")]
    [InlineData("after=abc")]
    public async Task BadCursorOrLimit_Returns400(string query)
    {
        using var http = api.Client(ApiFixture.OrchClient);
        using var response = await http.GetAsync($"/v1/events?{query}");
        await response.ProblemAsync(HttpStatusCode.BadRequest, Problems.MalformedRequestType);
    }

    /// <summary>Every event of the bank's feed after <paramref name="after"/>, from the start unless given.</summary>
    private static async Task<List<JsonElement>> AllEventsAsync(HttpClient http, string after = "0")
    {
        var events = new List<JsonElement>();
        var cursor = after;
        while (true)
        {
            using var response = await http.GetAsync($"/v1/events?after={cursor}&limit=500");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.JsonAsync();
            events.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.Clone()));
            cursor = page.GetProperty("nextCursor").GetString()!;
            if (page.GetProperty("events").GetArrayLength() < 500)
            {
                return events;
            }
        }
    }

    /// <summary>The cursor after every event the bank has now.</summary>
    private static async Task<string> HeadAsync(HttpClient http)
    {
        var cursor = "0";
        while (true)
        {
            using var response = await http.GetAsync($"/v1/events?after={cursor}&limit=500");
            var page = await response.JsonAsync();
            cursor = page.GetProperty("nextCursor").GetString()!;
            if (page.GetProperty("events").GetArrayLength() < 500)
            {
                return cursor;
            }
        }
    }
}
