using Dsp.Core.Policy;
using System.Globalization;
using Azure.Data.Tables;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>
/// Maps run summaries to rows of the <c>Runs</c> table. Each run has two rows in partition <c>run</c>, written in one
/// transaction: its own (RowKey = run id) and a copy under <c>~{inverted completion ticks}~{run id}</c>, so that the
/// index rows list the newest runs first without a scan.
/// </summary>
internal static class RunRows
{
    public const string Partition = "run";

    /// <summary>Index row keys are <c>~</c> and 19 digits: this range holds exactly them.</summary>
    public const string IndexFrom = "~0";

    public const string IndexTo = "~:";

    public static string IndexKey(RunRecord run) =>
        string.Create(CultureInfo.InvariantCulture, $"~{DateTimeOffset.MaxValue.UtcTicks - run.CompletedAt.UtcTicks:D19}~{run.RunId}");

    /// <summary>Run ids may not start with <c>~</c>, the index rows' mark.</summary>
    public static void ValidateRunId(string runId, string paramName)
    {
        TableKeys.Validate(runId, paramName);
        if (runId.StartsWith('~'))
        {
            throw new ArgumentException($"Run id '{runId}' may not start with '~'.", paramName);
        }
    }

    public static TableEntity ToEntity(RunRecord run, string rowKey)
    {
        var entity = new TableEntity(Partition, rowKey)
        {
            ["RunId"] = run.RunId,
            ["Task"] = run.Task,
            ["Agents"] = run.Agents,
            ["Tradeoff"] = (double)run.Tradeoff,
            ["Offset"] = run.Offset,
            ["Outcome"] = run.Outcome,
            ["Steps"] = run.Steps,
            ["Rounds"] = run.Rounds,
            ["MeanDepth"] = run.MeanDepth,
            ["LatencySeconds"] = run.LatencySeconds,
            ["CostUsd"] = run.CostUsd,
            ["UnnecessaryCostUsd"] = run.UnnecessaryCostUsd,
            ["SequentialLatencySeconds"] = run.SequentialLatencySeconds,
            ["SequentialCostUsd"] = run.SequentialCostUsd,
            ["Lossless"] = run.Lossless,
            ["Transitions"] = run.Transitions,
            ["Calls"] = run.Calls,
            ["CancelledCalls"] = run.CancelledCalls,
            ["Retries"] = run.Retries,
            ["CompletedAt"] = run.CompletedAt,
        };
        if (run.PolicyVersion is { } version)
        {
            entity["PolicyVersion"] = version;
        }

        entity["Policy"] = run.Policy;
        if (run.ValueOfTime is { } valueOfTime)
        {
            entity["ValueOfTime"] = valueOfTime;
        }

        return entity;
    }

    public static RunRecord Read(string table, TableEntity entity)
    {
        var row = new RowReader(table, entity);
        return new RunRecord
        {
            RunId = row.String("RunId"),
            Task = row.String("Task"),
            Agents = row.String("Agents"),
            Tradeoff = (float)row.Double("Tradeoff"),
            Offset = row.Int32("Offset"),
            PolicyVersion = row.Int64OrNull("PolicyVersion"),
            // Rows written before the adaptive policy were planned with dsp.
            Policy = row.StringOrNull("Policy") ?? PolicyNames.Dsp,
            ValueOfTime = row.DoubleOrNull("ValueOfTime"),
            Outcome = row.String("Outcome"),
            Steps = row.Int32("Steps"),
            Rounds = row.Int32("Rounds"),
            MeanDepth = row.Double("MeanDepth"),
            LatencySeconds = row.Double("LatencySeconds"),
            CostUsd = row.Double("CostUsd"),
            UnnecessaryCostUsd = row.Double("UnnecessaryCostUsd"),
            SequentialLatencySeconds = row.Double("SequentialLatencySeconds"),
            SequentialCostUsd = row.Double("SequentialCostUsd"),
            Lossless = row.Boolean("Lossless"),
            Transitions = row.Int32("Transitions"),
            // Rows written before the call counts were kept have none.
            Calls = row.Int32OrNull("Calls") ?? 0,
            CancelledCalls = row.Int32OrNull("CancelledCalls") ?? 0,
            Retries = row.Int32OrNull("Retries") ?? 0,
            CompletedAt = row.DateTime("CompletedAt"),
        };
    }
}
