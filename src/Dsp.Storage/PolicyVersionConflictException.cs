namespace Dsp.Storage;

/// <summary>A publication that would change a published version or put an older version back in service.</summary>
public sealed class PolicyVersionConflictException(string message) : InvalidOperationException(message);
