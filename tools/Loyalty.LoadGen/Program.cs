using Loyalty.LoadGen;

return await LoadGenCommand.InvokeAsync(args);
