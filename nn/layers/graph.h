// Graph: layers wired as a directed acyclic graph, for skip connections (U-Net concatenations,
// residual sums, a raw input fed to every block). Node 0 is the graph's input; each add/concat/sum
// appends a node fed by earlier nodes and returns its id; the last node is the output unless
// set_output says otherwise. Backward sums the gradients of nodes that feed several others.
// Owns its layers; their paths are the names given to add() or, by default, the node ids.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace smlm::nn {

class Graph : public Layer {
 public:
  static constexpr int kInput = 0;

  Graph();

  // A layer applied to node `input`'s output.
  int add(std::unique_ptr<Layer> layer, int input, const std::string& name = "");
  template <class L, class... Args>
  int emplace(int input, Args&&... args) {
    return add(std::make_unique<L>(std::forward<Args>(args)...), input);
  }
  // The nodes' outputs concatenated along channels, in the order given.
  int concat(const std::vector<int>& inputs);
  // The nodes' outputs summed elementwise (equal shapes).
  int sum(const std::vector<int>& inputs);
  void set_output(int node);
  // The layer at a layer node.
  Layer& layer(int node);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  // The wiring, e.g. "Graph(1=layer(0), 2=layer(1), 3=concat(1,2), out=3)".
  std::string describe() const override;
  std::vector<std::pair<std::string, Layer*>> children() const override;

 private:
  enum class Kind { input, layer, concat, sum };
  struct Node {
    Kind kind;
    std::vector<int> inputs;
    std::unique_ptr<Layer> layer;
    std::string name;
    std::vector<int64_t> channels;  // concat: the parts' channel counts, from the forward pass
  };
  int append(Node node);

  std::vector<Node> nodes_;
  int output_ = 0;
  bool trained_ = false;  // a training forward awaits its backward
};

}  // namespace smlm::nn
