namespace Loyalty.Infra.PolicyGate;

public static class ObservabilityRules
{
    public const int ProdMinRetentionDays = 365;
    public const int DevMinRetentionDays = 30;

    public static readonly PolicyRule EncryptedRetainedLogs = new(
        "LOY-OBS-1", Severity.Error, "Observability", "Logs hold partner data",
        $"set EncryptionKey to the stack's log key and Retention to at least {ProdMinRetentionDays} days in prod and {DevMinRetentionDays} in dev",
        (r, ctx) =>
        {
            if (r.Type != "AWS::Logs::LogGroup")
            {
                return [];
            }

            var faults = new List<string>();
            if (r.Properties.Get("KmsKeyId") is null)
            {
                faults.Add("KmsKeyId is not set");
            }

            var min = ctx.IsProduction ? ProdMinRetentionDays : DevMinRetentionDays;
            if (r.Properties.Get("RetentionInDays").Number() is not { } days || days < min)
            {
                faults.Add($"RetentionInDays is below {min} days for {ctx.Stage} (or unset: kept forever)");
            }

            return faults;
        });

    public static readonly PolicyRule AlarmsAct = new(
        "LOY-OBS-2", Severity.Error, "Observability", "Unheard alarms are useless",
        "add an action (alarm.AddAlarmAction(new SnsAction(topic)) or a scaling policy) and keep ActionsEnabled on",
        (r, _) =>
        {
            if (r.Type != "AWS::CloudWatch::Alarm")
            {
                return [];
            }

            var faults = new List<string>();
            if (r.Properties.Get("ActionsEnabled") is { } enabled && !enabled.IsTrue())
            {
                faults.Add("ActionsEnabled is false");
            }

            if (!r.Properties.Get("AlarmActions").Items().Any())
            {
                faults.Add("AlarmActions is empty");
            }

            return faults;
        });
}
