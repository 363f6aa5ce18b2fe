// Coverage of the product contracts: test doubles and interfaces are left out.
module.exports = {
  skipFiles: ["mocks/", "interfaces/"],
};
