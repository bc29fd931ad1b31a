using Loyalty.Bench;

// The fulfilment paths measured beside their raw limits, and the report of a whole run (bench/run.sh drives it):
//   export <rows>        seeds <rows> pending CORV accruals; the raw same-work SQL (rolled back), the raw read and the
//                        export itself on them; prints its rows as JSON lines
//   handback             answers the last exported CORV file as the programme would (all credited) into inbound/
//   ingest <key>         the raw same-work SQL of applying that handback (rolled back), then the ingest itself
//   report <rows.jsonl> <machine.json> <out-dir>
//                        bench/results.md and bench/results/latest.json from a run's rows, against the goals
// Settings come from the environment as for the API (Database__ConnectionString, Fulfilment__*, AWS_*).
return args switch
{
    ["export", var rows] => await FulfilmentBench.ExportAsync(int.Parse(rows, System.Globalization.CultureInfo.InvariantCulture)),
    ["handback"] => await FulfilmentBench.HandbackAsync(),
    ["ingest", var key] => await FulfilmentBench.IngestAsync(key),
    ["report", var rows, var machine, var output] => Report.Write(rows, machine, output),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Loyalty.Bench export <rows> | handback | ingest <key> | report <rows.jsonl> <machine.json> <out-dir>");
    return 2;
}
