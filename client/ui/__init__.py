"""pygame screens, widgets and drawing. Nothing here touches the network: screens draw view models
and return actions; ``client.app`` carries the actions out."""
