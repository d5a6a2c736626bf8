// Preloaded into Node 20 for Lodestar 1.5.1's dependency tree: Promise.withResolvers arrived in Node 22.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
