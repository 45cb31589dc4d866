console.log("hermes-gateway: not yet implemented");
