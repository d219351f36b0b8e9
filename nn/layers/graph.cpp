// Graph: forward in node order, releasing each output after its last consumer; backward in
// reverse order, accumulating gradients per node.
#include "nn/layers/graph.h"

#include <sstream>

#include "core/error.h"
#include "nn/ops.h"

namespace smlm::nn {

Graph::Graph() { nodes_.push_back(Node{Kind::input, {}, nullptr, "", {}}); }

int Graph::append(Node node) {
  SMLM_CHECK(!node.inputs.empty(), "Graph: a node needs an input");
  for (int i : node.inputs)
    SMLM_CHECK(i >= 0 && i < static_cast<int>(nodes_.size()),
               "Graph: node " << nodes_.size() << " reads node " << i << ", which does not exist");
  nodes_.push_back(std::move(node));
  output_ = static_cast<int>(nodes_.size()) - 1;
  return output_;
}

int Graph::add(std::unique_ptr<Layer> layer, int input, const std::string& name) {
  SMLM_CHECK(layer, "Graph::add: null layer");
  SMLM_CHECK(name.find('/') == std::string::npos, "Graph layer name '" << name << "' contains /");
  layer->to(device_);
  const std::string n = name.empty() ? std::to_string(nodes_.size()) : name;
  for (const auto& node : nodes_)
    SMLM_CHECK(node.kind != Kind::layer || node.name != n, "Graph: two layers named " << n);
  return append(Node{Kind::layer, {input}, std::move(layer), n, {}});
}

int Graph::concat(const std::vector<int>& inputs) {
  return append(Node{Kind::concat, inputs, nullptr, "", {}});
}

int Graph::sum(const std::vector<int>& inputs) {
  return append(Node{Kind::sum, inputs, nullptr, "", {}});
}

void Graph::set_output(int node) {
  SMLM_CHECK(node >= 0 && node < static_cast<int>(nodes_.size()), "Graph: no node " << node);
  output_ = node;
}

Layer& Graph::layer(int node) {
  SMLM_CHECK(node > 0 && node < static_cast<int>(nodes_.size()) && nodes_[node].kind == Kind::layer,
             "Graph: node " << node << " is not a layer");
  return *nodes_[node].layer;
}

Tensor Graph::forward(const Tensor& x, bool training) {
  const int n = static_cast<int>(nodes_.size());
  std::vector<int> last_use(n, -1);
  for (int i = 0; i < n; ++i)
    for (int j : nodes_[i].inputs) last_use[j] = i;
  std::vector<Tensor> out(n);
  out[0] = x;
  for (int i = 1; i <= output_; ++i) {
    Node& node = nodes_[i];
    switch (node.kind) {
      case Kind::layer:
        out[i] = node.layer->forward(out[node.inputs[0]], training);
        break;
      case Kind::concat: {
        std::vector<Tensor> parts;
        node.channels.clear();
        for (int j : node.inputs) {
          parts.push_back(out[j]);
          node.channels.push_back(out[j].c());
        }
        out[i] = concat_channels(parts);
        break;
      }
      case Kind::sum: {
        out[i] = out[node.inputs[0]];
        for (size_t k = 1; k < node.inputs.size(); ++k)
          out[i] = nn::add(out[i], out[node.inputs[k]]);
        if (node.inputs.size() == 1) out[i] = out[i].clone();
        break;
      }
      case Kind::input:
        break;
    }
    for (int j : node.inputs)
      if (last_use[j] == i && j != output_) out[j] = Tensor();
  }
  trained_ = training;
  return out[output_];
}

Tensor Graph::backward(const Tensor& grad_out) {
  SMLM_CHECK(trained_, "Graph: backward without a training forward");
  trained_ = false;
  std::vector<Tensor> grad(nodes_.size());
  auto accumulate = [&](int j, const Tensor& g) {
    if (!g.defined()) return;
    grad[j] = grad[j].defined() ? nn::add(grad[j], g) : g;
  };
  grad[output_] = grad_out;
  for (int i = output_; i >= 1; --i) {
    if (!grad[i].defined()) continue;
    Node& node = nodes_[i];
    switch (node.kind) {
      case Kind::layer:
        accumulate(node.inputs[0], node.layer->backward(grad[i]));
        break;
      case Kind::concat: {
        const auto parts = split_channels(grad[i], node.channels);
        for (size_t k = 0; k < parts.size(); ++k) accumulate(node.inputs[k], parts[k]);
        break;
      }
      case Kind::sum:
        for (int j : node.inputs) accumulate(j, grad[i]);
        break;
      case Kind::input:
        break;
    }
    grad[i] = Tensor();
  }
  return grad[0];
}

std::string Graph::describe() const {
  std::ostringstream s;
  s << "Graph(";
  for (size_t i = 1; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    s << i << "="
      << (n.kind == Kind::layer    ? "layer"
          : n.kind == Kind::concat ? "concat"
                                   : "sum")
      << "(";
    for (size_t k = 0; k < n.inputs.size(); ++k) s << (k ? "," : "") << n.inputs[k];
    s << "), ";
  }
  s << "out=" << output_ << ")";
  return s.str();
}

std::vector<std::pair<std::string, Layer*>> Graph::children() const {
  std::vector<std::pair<std::string, Layer*>> v;
  for (const auto& n : nodes_)
    if (n.kind == Kind::layer) v.emplace_back(n.name, n.layer.get());
  return v;
}

}  // namespace smlm::nn
