// The reference products of DESIGN.md (ids 1 to 5; 4 and 5 are the flash
// sale's bundle), used by the demo, the tests and the client tool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace order_saga::tools {

struct FixtureProduct {
  int64_t product_id;
  std::string name;
  int64_t price;
  int64_t stock;
};

inline const std::vector<FixtureProduct>& ReferenceProducts() {
  static const std::vector<FixtureProduct> products = {
      {1, "갤럭시 버즈3 프로 실버", 299000, 100},
      {2, "갤럭시 워치7 44mm 그린", 359000, 50},
      {3, "갤럭시 탭 S9 FE 128GB 그레이", 599000, 10},
      {4, "길럭시북 그래파이트 15.6인치 코어 i5 - 512GB", 1290000, 30},
      {5, "김럭시북9 그려파이트 14인치 코어 16GB - 2TB - 인도우11 PRO", 2390000, 20},
  };
  return products;
}

}  // namespace order_saga::tools
