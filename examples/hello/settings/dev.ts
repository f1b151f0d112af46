export const greeting = "Hello from the hello site (settings.dev)";
