using Azure.Data.Tables;

namespace Dsp.Storage.Tests;

public class TextPropertiesTests
{
    [Fact]
    public void Long_text_splits_into_parts_that_a_property_holds_never_between_a_surrogate_pair()
    {
        var text = new string('a', 29_999) + "😀" + new string('b', 30_000) + "é";

        var parts = TextProperties.Parts("Task", text);

        Assert.Equal(["Task", "Task1", "Task2"], parts.Select(p => p.Key));
        Assert.Equal(29_999, ((string)parts[0].Value).Length); // the emoji moved whole to the second part
        Assert.All(parts, p => Assert.True(((string)p.Value).Length <= 30_000 && !char.IsHighSurrogate(((string)p.Value)[^1])));
        Assert.Equal(text, string.Concat(parts.Select(p => (string)p.Value)));

        var row = new TableEntity("p", "r");
        TextProperties.Set(row, "Task", text);
        Assert.Equal(text, TextProperties.Read(new RowReader("t", row), "Task"));
        Assert.Equal(3, row["TaskParts"]);
    }

    [Fact]
    public void Empty_text_is_one_empty_part_and_a_list_round_trips_as_json_without_escaping_letters()
    {
        var row = new TableEntity("p", "r");
        TextProperties.Set(row, "Draft", "");
        TextProperties.SetList(row, "Steps", ["Étape 1", "步骤 2 \"quoted\"", ""]);

        Assert.Equal("", TextProperties.Read(new RowReader("t", row), "Draft"));
        Assert.Equal(["Étape 1", "步骤 2 \"quoted\"", ""], TextProperties.ReadList(new RowReader("t", row), "Steps"));
        Assert.Contains("步骤", (string)row["Steps"]);
    }

    [Fact]
    public void A_missing_part_or_an_impossible_count_names_the_property()
    {
        var row = new TableEntity("p", "r") { ["TaskParts"] = 2, ["Task"] = "a" };
        Assert.Contains("'Task1'", Assert.Throws<InvalidRowException>(() => TextProperties.Read(new RowReader("t", row), "Task")).Message);

        row["TaskParts"] = 0;
        Assert.Contains("'TaskParts' is 0", Assert.Throws<InvalidRowException>(() => TextProperties.Read(new RowReader("t", row), "Task")).Message);
    }
}
