using Dsp.Core.Judges;

namespace Dsp.Core.Tests.Judges;

public class JudgeTests
{
    [Theory]
    [InlineData("Image Deblurring", "Image Deblurring", true)]
    [InlineData("  Image Deblurring\n", "Image Deblurring", true)]
    [InlineData("image deblurring", "Image Deblurring", false)]
    [InlineData("Image Denoising", "Image Deblurring", false)]
    public void Exact_judge_compares_trimmed_text_ordinally(string draft, string target, bool accepted)
    {
        Assert.Equal(accepted, new ExactJudge().Accepts(draft, target));
    }

    [Fact]
    public void Exact_judge_can_fold_case_and_keep_white_space()
    {
        Assert.True(new ExactJudge(ignoreCase: true).Accepts("image deblurring", "Image Deblurring"));
        Assert.False(new ExactJudge(trimWhiteSpace: false).Accepts("A ", "A"));
        Assert.True(new ExactJudge().IsExact);
    }

    [Theory]
    [InlineData("search(query=\"cheap flights to Paris\")", "search(query=\"cheap flight to Paris\")", true)]
    [InlineData("search(query=\"cheap flights to Paris\")", "search(query=\"museum hours in Rome\")", false)]
    [InlineData("search(query=\"Paris\")", "browse(query=\"Paris\")", false)]
    [InlineData("Image Deblurring", "Image Deblurring", true)]
    [InlineData("{\"name\":\"search\",\"arguments\":{\"q\":\"Paris hotels\"}}", "search({\"q\":\"Paris hotel\"})", true)]
    public void Tool_call_judge_needs_the_same_tool_and_similar_arguments(string draft, string target, bool accepted)
    {
        Assert.Equal(accepted, new ToolCallJudge().Accepts(draft, target));
    }

    [Fact]
    public void Tool_call_judge_is_approximate_and_honours_its_threshold()
    {
        Assert.False(new ToolCallJudge().IsExact);
        Assert.True(new ToolCallJudge(0.2).Accepts("f(abcdef)", "f(abxxxx)"));
        Assert.False(new ToolCallJudge(0.9).Accepts("f(abcdef)", "f(abcxxx)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolCallJudge(1.5));
    }

    [Theory]
    [InlineData("search(q)", "search", "q")]
    [InlineData("  Image Captioning  ", "Image Captioning", "")]
    [InlineData("{\"function\": \"open\", \"args\": \"file.txt\"}", "open", "file.txt")]
    [InlineData("{not json", "{not json", "")]
    public void Tool_calls_are_read_from_the_common_forms(string step, string name, string arguments)
    {
        Assert.Equal(new ToolCall(name, arguments), ToolCall.Parse(step));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("abc", "", 3)]
    public void Levenshtein_distance_counts_edits(string a, string b, int distance)
    {
        Assert.Equal(distance, Levenshtein.Distance(a, b));
        Assert.Equal(distance, Levenshtein.Distance(b, a));
    }

    [Fact]
    public void Judges_are_made_by_name_and_unknown_names_are_refused()
    {
        Assert.IsType<ExactJudge>(StepJudges.Create("exact"));
        Assert.IsType<ToolCallJudge>(StepJudges.Create("tool-call"));
        var error = Assert.Throws<ArgumentException>(() => StepJudges.Create("fuzzy"));
        Assert.Contains("exact, tool-call", error.Message);
    }
}
