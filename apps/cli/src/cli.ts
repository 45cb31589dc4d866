console.log("hermes: not yet implemented");
