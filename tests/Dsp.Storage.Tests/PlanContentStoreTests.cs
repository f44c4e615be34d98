namespace Dsp.Storage.Tests;

public class PlanContentStoreTests : StorageTest
{
    [Fact]
    public async Task A_document_is_stored_once_and_read_back_by_its_run_and_name()
    {
        var store = Scope.PlanContent();
        var text = string.Concat(Enumerable.Repeat("第一步：修复“模糊”的图像 <\"'&+> ", 3_000));

        Assert.Null(await store.ReadAsync("run-1", "context-00001-ab"));
        await store.SaveAsync("run-1", "context-00001-ab", text);
        await store.SaveAsync("run-1", "context-00001-ab", text); // a replayed write: stored already

        Assert.Equal(text, await store.ReadAsync("run-1", "context-00001-ab"));
        Assert.Null(await store.ReadAsync("run-2", "context-00001-ab"));
        Assert.Null(await store.ReadAsync("run-1", "context-00001-ac"));
    }

    [Fact]
    public async Task Names_that_cannot_be_a_blob_path_segment_are_refused()
    {
        var store = Scope.PlanContent();

        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync("run/1", "name", "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync("run-1", "a/b"));
    }
}
