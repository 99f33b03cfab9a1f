// Imported first by every entry point. The AWS SDK prints, at the first S3 client, a notice about
// the Node versions its future releases will need: it speaks to whoever upgrades the SDK, not to
// a person running this app on a supported Node, and it would be the first thing every start
// printed. An explicit setting in the environment still wins.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export {}
